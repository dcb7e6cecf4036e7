import threading, queue
ping = queue.Queue(maxsize=1); pong = queue.Queue(maxsize=1)
def ponger():
    while True:
        x = ping.get()
        if x is None: return
        pong.put(x + 1)
t = threading.Thread(target=ponger); t.start()
v = 0
for _ in range(20000):
    ping.put(v); v = pong.get()
ping.put(None); t.join()
print(v)
