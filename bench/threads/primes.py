import sys, threading
def is_prime(n):
    if n < 2: return False
    d = 2
    while d * d <= n:
        if n % d == 0: return False
        d += 1
    return True
def count(start, step, limit, out, k):
    out[k] = sum(1 for i in range(start, limit, step) if is_prime(i))
n = int(sys.argv[1]); out = [0] * n
ts = [threading.Thread(target=count, args=(k, n, 3000000, out, k)) for k in range(n)]
for t in ts: t.start()
for t in ts: t.join()
print(sum(out))
