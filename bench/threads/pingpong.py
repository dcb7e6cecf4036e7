import threading
c = threading.Condition(); turn = 0
def player(me, n):
    global turn
    for _ in range(n):
        with c:
            while turn != me: c.wait()
            turn = 1 - me; c.notify()
ts = [threading.Thread(target=player, args=(k, 20000)) for k in range(2)]
for t in ts: t.start()
for t in ts: t.join()
print(turn)
