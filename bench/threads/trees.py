import sys, threading
def build(d): return [] if d == 0 else [build(d - 1), build(d - 1)]
def check(n): return 1 + sum(check(k) for k in n)
def work(rounds, out, k): out[k] = sum(check(build(14)) for _ in range(rounds))
n = int(sys.argv[1]); out = [0] * n
ts = [threading.Thread(target=work, args=(64 // n, out, k)) for k in range(n)]
for t in ts: t.start()
for t in ts: t.join()
print(sum(out))
