module concurrency-models/go

go 1.19
