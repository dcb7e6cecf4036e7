-- Array push and indexed sum.
local checksum = 0
for r = 0, 9 do
    local xs = {}
    for i = 0, 199999 do
        xs[#xs + 1] = (i * 7 + r) % 1000
    end
    local s = 0
    for i = 1, #xs do
        s = s + xs[i]
    end
    checksum = (checksum * 31 + s) % 1000000007
end
print(checksum)
