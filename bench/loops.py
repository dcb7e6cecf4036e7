# Nested integer loops with arithmetic.
def main():
    n = 1500
    total = 0
    for i in range(n):
        for j in range(n):
            total = (total + i * j + (i ^ j)) % 1000000007
    print(total)


main()
