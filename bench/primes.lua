-- Prime counting by trial division.
local function is_prime(n)
    if n < 2 then
        return false
    end
    if n % 2 == 0 then
        return n == 2
    end
    local d = 3
    while d * d <= n do
        if n % d == 0 then
            return false
        end
        d = d + 2
    end
    return true
end

local count, last = 0, 0
for n = 0, 299999 do
    if is_prime(n) then
        count = count + 1
        last = n
    end
end
print(count .. " " .. last)
