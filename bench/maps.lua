-- Map updates with int and str keys.
local ints, strs = {}, {}
local nints, nstrs = 0, 0
for i = 0, 299999 do
    local k = (i * 7919) % 5003
    local v = ints[k]
    if v ~= nil then
        ints[k] = v + i % 100
    else
        ints[k] = i % 100
        nints = nints + 1
    end
    local sk = "k" .. tostring(i % 1009)
    local c = strs[sk]
    if c ~= nil then
        strs[sk] = c + 1
    else
        strs[sk] = 1
        nstrs = nstrs + 1
    end
end
local total = 0
for k, v in pairs(ints) do
    total = (total + k * v) % 1000000007
end
for sk, c in pairs(strs) do
    total = (total + c * #sk) % 1000000007
end
print(nints .. " " .. nstrs .. " " .. total)
