// Command ferretdb-embedded runs FerretDB v1 with its SQLite backend on loopback,
// through FerretDB's embeddable package. It is the gateway's offline MongoDB:
// the embeddable package needs no build-time version file (unlike cmd/ferretdb
// installed from the module proxy) and never starts telemetry or a debug listener.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// idIndexInterval bounds how long a new collection's `_id` lookups scan (see idindex.go).
const idIndexInterval = 200 * time.Millisecond

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:0", "TCP address to listen on; port 0 picks a free one")
	dataDir := flag.String("data-dir", "", "directory for the SQLite databases (required)")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	stdinGuard := flag.Bool("exit-on-stdin-close", false,
		"stop when stdin reaches EOF; the launcher holds a pipe open so a crashed parent never leaves this process behind")
	flag.Parse()

	if *dataDir == "" {
		log.Fatal("-data-dir is required")
	}
	abs, err := filepath.Abs(*dataDir)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		log.Fatal(err)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		// WAL with synchronous=NORMAL: a commit is durable once the process returns, without an fsync per
		// write, as MongoDB's own default (w:1, no journal wait) acknowledges a write before its journal flush.
		SQLiteURL: "file:" + abs + "/?_pragma=synchronous(normal)",
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	if *stdinGuard {
		// The parent's end of the pipe closes when it exits for any reason, SIGKILL included.
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			logger.Warn("stdin closed: the parent process is gone, shutting down")
			stop()
			// A wedged shutdown must not keep an orphan alive.
			time.Sleep(5 * time.Second)
			os.Exit(1)
		}()
	}

	// Runs beside FerretDB for its whole life; see idindex.go.
	go watchIDIndexes(ctx, abs, idIndexInterval, logger)

	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := f.Run(ctx); err != nil {
			logger.Error("ferretdb stopped", "error", err)
		}
	}()

	// MongoDBURI blocks until the listener is bound; the parent process reads this line.
	fmt.Printf("READY %s\n", f.MongoDBURI())
	<-done
}
