module github.com/pipewell/pipewell

go 1.26
