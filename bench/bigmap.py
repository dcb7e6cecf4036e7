# A map too big for the caches: a million int keys inserted, two million looked up (six in seven
# missing), then every key visited.
def main():
    m = {}
    for i in range(1000000):
        m[i * 7] = i
    t = 0
    for i in range(2000000):
        if i in m:
            t += m[i]
    k = 0
    for key in m:
        k += key
    print(len(m), t, k)


main()
