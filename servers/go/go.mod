module concurrency-models/servers/go

go 1.19
