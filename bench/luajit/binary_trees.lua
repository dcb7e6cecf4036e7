-- LuaJIT (Lua 5.1) spelling of ../binary_trees.lua: bit library instead of 5.4 operators.
-- Allocation-heavy binary trees: a node holds its children in a list (empty for a leaf).
local function make(depth)
    if depth == 0 then
        return {kids = {}}
    end
    return {kids = {make(depth - 1), make(depth - 1)}}
end

local function check(node)
    local total = 1
    for _, k in ipairs(node.kids) do
        total = total + check(k)
    end
    return total
end

local max_depth = 13
local min_depth = 4
print("stretch " .. (max_depth + 1) .. " " .. check(make(max_depth + 1)))
local long_lived = make(max_depth)
local depth = min_depth
while depth <= max_depth do
    local iterations = bit.lshift(1, max_depth - depth + min_depth)
    local total = 0
    for _ = 1, iterations do
        total = total + check(make(depth))
    end
    print(iterations .. " " .. depth .. " " .. total)
    depth = depth + 2
end
print("long lived " .. max_depth .. " " .. check(long_lived))
