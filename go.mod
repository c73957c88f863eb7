module github.com/moltworker/molt

go 1.26.0
