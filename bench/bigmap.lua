-- A map too big for the caches: a million int keys inserted, two million looked up (six in seven
-- missing), then every key visited.
local m = {}
for i = 0, 999999 do m[i * 7] = i end
local t = 0
for i = 0, 1999999 do
  local v = m[i]
  if v ~= nil then t = t + v end
end
local n, k = 0, 0
for key in pairs(m) do
  n = n + 1
  k = k + key
end
print(n .. " " .. t .. " " .. k)
