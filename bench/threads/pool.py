from concurrent.futures import ThreadPoolExecutor
def sq(x): return x * x
with ThreadPoolExecutor(2) as p:
    total = 0
    for batch in range(100):
        fs = [p.submit(sq, i) for i in range(1000)]
        for f in fs: total += f.result()
    r = list(p.map(sq, range(100000)))
print(total, len(r))
