# Prime counting by trial division.
def is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True


def main():
    count = 0
    last = 0
    for n in range(300000):
        if is_prime(n):
            count += 1
            last = n
    print(count, last)


main()
