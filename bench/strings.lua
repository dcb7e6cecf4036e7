-- String building: small concatenations, join, split, and byte checksums.
local function split(s, sep)
    local out = {}
    local start = 1
    while true do
        local i = string.find(s, sep, start, true)
        if not i then
            out[#out + 1] = string.sub(s, start)
            return out
        end
        out[#out + 1] = string.sub(s, start, i - 1)
        start = i + #sep
    end
end

local checksum = 0
for r = 0, 599 do
    local parts = {}
    for i = 0, 999 do
        parts[#parts + 1] = "item" .. tostring(i) .. ":" .. tostring((i * r) % 97)
    end
    local joined = table.concat(parts, ",")
    local pieces = split(joined, ",")
    local line = ""
    for _, p in ipairs(pieces) do
        if #p > 8 then
            line = line .. string.sub(p, 1, 1)
        end
    end
    checksum = (checksum * 7 + #joined + #pieces + #line + string.byte(joined, r + 1)) % 1000000007
end
print(checksum)
