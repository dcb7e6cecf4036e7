-- LuaJIT (Lua 5.1) spelling of ../methods.lua: bit library instead of 5.4 operators.
-- Method calls: struct methods (direct calls), virtual dispatch over a class hierarchy, and field
-- updates through self.
local Vec = {}
Vec.__index = Vec
function Vec.new(x, y) return setmetatable({x = x, y = y}, Vec) end
function Vec:dot(o) return self.x * o.x + self.y * o.y end
function Vec:add(o)
    self.x = self.x + o.x
    self.y = self.y + o.y
end

local Shape = {}
Shape.__index = Shape
function Shape.new(cls, w) return setmetatable({w = w}, cls) end
function Shape:area() return 0 end

local Square = setmetatable({}, {__index = Shape})
Square.__index = Square
function Square:area() return self.w * self.w end

local Triangle = setmetatable({}, {__index = Shape})
Triangle.__index = Triangle
function Triangle:area() return math.floor(self.w * self.w / 2) end

local Counter = {}
Counter.__index = Counter
function Counter.new() return setmetatable({n = 0}, Counter) end
function Counter:bump(k) self.n = self.n + k end
function Counter:get() return self.n end

local function main()
    local shapes = {Shape.new(Shape, 1), Shape.new(Square, 3), Shape.new(Triangle, 5), Shape.new(Square, 7)}
    local c = Counter.new()
    local v = Vec.new(0, 0)
    local d = Vec.new(1, 2)
    local total = 0
    local dots = 0
    for i = 0, 2000000 - 1 do
        local s = shapes[i % 4 + 1]
        total = total + s:area()
        c:bump(bit.band(i, 7))
        v:add(d)
        dots = dots + v:dot(d)
    end
    print(string.format("%d %d %d %d %d", total, c:get(), v.x, v.y, dots))
end

main()
