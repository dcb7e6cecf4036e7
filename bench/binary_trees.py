# Allocation-heavy binary trees: a node holds its children in a list (empty for a leaf).
class Node:
    __slots__ = ("kids",)

    def __init__(self, kids):
        self.kids = kids


def make(depth):
    if depth == 0:
        return Node([])
    return Node([make(depth - 1), make(depth - 1)])


def check(node):
    total = 1
    for k in node.kids:
        total += check(k)
    return total


def main():
    max_depth = 13
    min_depth = 4
    print("stretch", max_depth + 1, check(make(max_depth + 1)))
    long_lived = make(max_depth)
    depth = min_depth
    while depth <= max_depth:
        iterations = 1 << (max_depth - depth + min_depth)
        total = 0
        for _ in range(iterations):
            total += check(make(depth))
        print(iterations, depth, total)
        depth += 2
    print("long lived", max_depth, check(long_lived))


main()
