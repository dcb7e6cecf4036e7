# CPython has no atomic int: itertools.count's next() is the usual GIL-atomic counter.
import itertools, threading
c = itertools.count()
def inc(n):
    for _ in range(n): next(c)
ts = [threading.Thread(target=inc, args=(500000,)) for _ in range(2)]
for t in ts: t.start()
for t in ts: t.join()
print(next(c))
