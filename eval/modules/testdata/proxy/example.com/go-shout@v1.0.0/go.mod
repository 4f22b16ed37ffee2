module example.com/go-shout

go 1.21
