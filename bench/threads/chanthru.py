import threading, queue
ch = queue.Queue(maxsize=1024); N = 1000000
def producer():
    for i in range(N): ch.put(i)
    ch.put(None)
t = threading.Thread(target=producer); t.start()
total = 0
while True:
    x = ch.get()
    if x is None: break
    total += x
t.join()
print(total)
