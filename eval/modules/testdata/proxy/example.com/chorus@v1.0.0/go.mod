module example.com/chorus

go 1.21

require example.com/greet v1.1.0
