import threading
total = 0
for i in range(10000):
    r = []
    t = threading.Thread(target=lambda x=i: r.append(x)); t.start(); t.join(); total += r[0]
print(total)
