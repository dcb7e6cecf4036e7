# Array push and indexed sum.
def main():
    checksum = 0
    for r in range(10):
        xs = []
        for i in range(200000):
            xs.append((i * 7 + r) % 1000)
        s = 0
        for i in range(len(xs)):
            s += xs[i]
        checksum = (checksum * 31 + s) % 1000000007
    print(checksum)


main()
