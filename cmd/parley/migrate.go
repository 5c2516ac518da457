package main

import (
	"context"
	"flag"
	"fmt"
)

func runMigrate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	var db dbFlags
	db.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: parley migrate [flags]\n\nApplies pending database migrations and exits. 'parley serve' also applies them at start-up.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	store, err := db.open(ctx)
	if err != nil {
		return err
	}
	fmt.Println("database is up to date:", db.display())
	return store.Close()
}
