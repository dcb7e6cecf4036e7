# Walking a string's characters: `for c in s`, s[i], comparisons with one-character literals and a
# character class test (a tokenizer's inner loop).
def main():
    parts = []
    for i in range(20000):
        parts.append("let x" + str(i) + " = (y + " + str(i * 7) + ") * z;\n")
    src = "".join(parts)
    idents = digits = punct = pairs = 0
    for r in range(4):
        for c in src:
            if c == "x" or c == "y" or c == "z":
                idents += 1
            elif c >= "0" and c <= "9":
                digits += 1
            elif c == "(" or c == ")" or c == ";":
                punct += 1
        for i in range(1, len(src)):
            if src[i] == src[i - 1]:
                pairs += 1
    print(len(src), idents, digits, punct, pairs)

main()
