# Map updates with int and str keys.
def main():
    ints = {}
    strs = {}
    for i in range(300000):
        k = (i * 7919) % 5003
        if k in ints:
            ints[k] = ints[k] + i % 100
        else:
            ints[k] = i % 100
        sk = "k" + str(i % 1009)
        if sk in strs:
            strs[sk] = strs[sk] + 1
        else:
            strs[sk] = 1
    total = 0
    for k in ints:
        total = (total + k * ints[k]) % 1000000007
    for sk in strs:
        total = (total + strs[sk] * len(sk)) % 1000000007
    print(len(ints), len(strs), total)


main()
