-- Nested integer loops with arithmetic.
local n = 1500
local total = 0
for i = 0, n - 1 do
    for j = 0, n - 1 do
        total = (total + i * j + (i ~ j)) % 1000000007
    end
end
print(total)
