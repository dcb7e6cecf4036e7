import threading
m = threading.Lock(); counter = 0
def inc(n):
    global counter
    for _ in range(n):
        with m: counter += 1
ts = [threading.Thread(target=inc, args=(500000,)) for _ in range(2)]
for t in ts: t.start()
for t in ts: t.join()
print(counter)
