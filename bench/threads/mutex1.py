# Uncontended lock: one thread, 5,000,000 `with m: counter += 1`. usage: python3 mutex1.py [lock|empty]
import sys, threading
m = threading.Lock(); counter = 0
def locked(n):
    global counter
    for _ in range(n):
        with m: counter += 1
def empty(n):
    global counter
    for _ in range(n):
        counter += 1
(empty if sys.argv[1:2] == ["empty"] else locked)(5000000)
print(counter)
