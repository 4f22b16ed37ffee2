module example.com/weird

go 1.23
