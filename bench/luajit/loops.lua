-- LuaJIT (Lua 5.1) spelling of ../loops.lua: bit library instead of 5.4 operators.
-- Nested integer loops with arithmetic.
local n = 1500
local total = 0
for i = 0, n - 1 do
    for j = 0, n - 1 do
        total = (total + i * j + bit.bxor(i, j)) % 1000000007
    end
end
print(total)
