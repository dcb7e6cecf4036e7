# String building: small concatenations, join, split, and byte checksums.
def main():
    checksum = 0
    for r in range(600):
        parts = []
        for i in range(1000):
            parts.append("item" + str(i) + ":" + str((i * r) % 97))
        joined = ",".join(parts)
        pieces = joined.split(",")
        line = ""
        for p in pieces:
            if len(p) > 8:
                line = line + p[0]
        checksum = (checksum * 7 + len(joined) + len(pieces) + len(line) + ord(joined[r])) % 1000000007
    print(checksum)


main()
