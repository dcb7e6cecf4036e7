import sys, threading
def is_prime(n):
    if n < 2: return False
    d = 2
    while d * d <= n:
        if n % d == 0: return False
        d += 1
    return True
def count(k, n, limit, out):
    # blocks of 1000 dealt round-robin (a plain stride of n gives one thread all the odd numbers)
    out[k] = sum(1 for b in range(k * 1000, limit, n * 1000) for i in range(b, min(b + 1000, limit)) if is_prime(i))
n = int(sys.argv[1]); out = [0] * n
ts = [threading.Thread(target=count, args=(k, n, 3000000, out)) for k in range(n)]
for t in ts: t.start()
for t in ts: t.join()
print(sum(out))
