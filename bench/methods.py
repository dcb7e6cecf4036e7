# Method calls: struct methods (direct calls), virtual dispatch over a class hierarchy, and field
# updates through self.
class Vec:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def dot(self, o):
        return self.x * o.x + self.y * o.y

    def add(self, o):
        self.x = self.x + o.x
        self.y = self.y + o.y


class Shape:
    def __init__(self, w):
        self.w = w

    def area(self):
        return 0


class Square(Shape):
    def area(self):
        return self.w * self.w


class Triangle(Shape):
    def area(self):
        return self.w * self.w // 2


class Counter:
    def __init__(self):
        self.n = 0

    def bump(self, k):
        self.n = self.n + k

    def get(self):
        return self.n


def main():
    shapes = [Shape(1), Square(3), Triangle(5), Square(7)]
    c = Counter()
    v = Vec(0, 0)
    d = Vec(1, 2)
    total = 0
    dots = 0
    for i in range(2000000):
        s = shapes[i % 4]
        total += s.area()
        c.bump(i & 7)
        v.add(d)
        dots += v.dot(d)
    print(total, c.get(), v.x, v.y, dots)


main()
