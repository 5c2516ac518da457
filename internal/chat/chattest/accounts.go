package chattest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

var errRollback = errors.New("chattest: roll back")

func testAccounts(t *testing.T, s chat.Store) {
	a := newAccount("acme")
	// A time given in another zone comes back as the same instant in UTC.
	a.CreatedAt = at(0).In(time.FixedZone("IST", 5*3600+1800))
	update(t, s, func(tx chat.Tx) error { return tx.CreateAccount(a) })
	if a.ID == 0 {
		t.Fatal("CreateAccount did not set the id")
	}
	want := *a
	want.CreatedAt = at(0)
	got := get(t, s, func(tx chat.Tx) (*chat.Account, error) { return tx.FindAccount(a.ID) })
	check(t, "created account", &want, got)

	// An account without JSON attributes reads them back as {}.
	b := newAccount("beta")
	b.CustomAttributes, b.Features, b.Limits = nil, nil, nil
	update(t, s, func(tx chat.Tx) error { return tx.CreateAccount(b) })
	if b.ID == 0 || b.ID == a.ID {
		t.Fatalf("second account got id %d (first %d)", b.ID, a.ID)
	}
	wantB := *b
	wantB.CustomAttributes, wantB.Features, wantB.Limits = chat.EmptyObject, chat.EmptyObject, chat.EmptyObject
	check(t, "account without JSON attributes", &wantB,
		get(t, s, func(tx chat.Tx) (*chat.Account, error) { return tx.FindAccount(b.ID) }))

	// Update writes every field but the creation time, and only its row.
	upd := *got
	upd.Name = "Acme Renamed"
	upd.Locale = "de"
	upd.Domain = "acme.example.org"
	upd.SupportEmail = "help@acme.example.org"
	upd.Status = chat.AccountSuspended
	upd.CustomAttributes = chat.JSON(`{"ü":"ß","tags":["a","b"],"nested":{"k":[1,2.5,"x",null,true]}}`)
	upd.Features = chat.JSON(`{"help_center":false}`)
	upd.Limits = chat.EmptyObject
	upd.UpdatedAt = at(100)
	update(t, s, func(tx chat.Tx) error { return tx.UpdateAccount(&upd) })
	check(t, "updated account", &upd, get(t, s, func(tx chat.Tx) (*chat.Account, error) { return tx.FindAccount(a.ID) }))
	check(t, "other account after update", &wantB,
		get(t, s, func(tx chat.Tx) (*chat.Account, error) { return tx.FindAccount(b.ID) }))

	missing := a.ID + b.ID + 1000
	wantNotFound(t, s, "FindAccount(missing)", func(tx chat.Tx) error { _, err := tx.FindAccount(missing); return err })
	wantDeleteNotFound(t, s, "DeleteAccount(missing)", func(tx chat.Tx) error { return tx.DeleteAccount(missing) })
	update(t, s, func(tx chat.Tx) error { return tx.DeleteAccount(b.ID) })
	wantNotFound(t, s, "FindAccount(deleted)", func(tx chat.Tx) error { _, err := tx.FindAccount(b.ID); return err })
	wantDeleteNotFound(t, s, "DeleteAccount(deleted)", func(tx chat.Tx) error { return tx.DeleteAccount(b.ID) })
}

func testUsers(t *testing.T, s chat.Store) {
	if n := get(t, s, chat.Tx.CountUsers); n != 0 {
		t.Fatalf("CountUsers on an empty store = %d", n)
	}
	u := newUser("Ann Lee")
	update(t, s, func(tx chat.Tx) error { return tx.CreateUser(u) })
	if u.ID == 0 {
		t.Fatal("CreateUser did not set the id")
	}
	check(t, "FindUser", u, get(t, s, func(tx chat.Tx) (*chat.User, error) { return tx.FindUser(u.ID) }))
	check(t, "FindUserByToken", u, get(t, s, func(tx chat.Tx) (*chat.User, error) { return tx.FindUserByToken(u.AccessToken) }))
	check(t, "FindUserByEmail (other case)", u,
		get(t, s, func(tx chat.Tx) (*chat.User, error) { return tx.FindUserByEmail(strings.ToUpper(u.Email)) }))

	// A user with no display name, avatar or attributes (and no pubsub
	// token, which a store may fill in).
	v := &chat.User{Name: "Bo", Email: "bo@example.com", AccessToken: uniq("token"), CreatedAt: at(1), UpdatedAt: at(1)}
	update(t, s, func(tx chat.Tx) error { return tx.CreateUser(v) })
	wantV := *v
	wantV.CustomAttributes = chat.EmptyObject
	check(t, "bare user", &wantV, get(t, s, func(tx chat.Tx) (*chat.User, error) { return tx.FindUser(v.ID) }))
	if n := get(t, s, chat.Tx.CountUsers); n != 2 {
		t.Errorf("CountUsers = %d, want 2", n)
	}

	oldToken := u.AccessToken
	upd := *u
	upd.Name = "Ann Smith"
	upd.DisplayName = ""
	upd.Email = "ann.smith@example.com"
	upd.AccessToken = uniq("token")
	upd.AvatarURL = ""
	upd.CustomAttributes = chat.JSON(`{"team":"blue","shift":2}`)
	upd.UpdatedAt = at(100)
	update(t, s, func(tx chat.Tx) error { return tx.UpdateUser(&upd) })
	check(t, "updated user", &upd, get(t, s, func(tx chat.Tx) (*chat.User, error) { return tx.FindUser(u.ID) }))
	check(t, "FindUserByToken(new token)", &upd,
		get(t, s, func(tx chat.Tx) (*chat.User, error) { return tx.FindUserByToken(upd.AccessToken) }))
	wantNotFound(t, s, "FindUserByToken(old token)", func(tx chat.Tx) error { _, err := tx.FindUserByToken(oldToken); return err })
	check(t, "other user after update", &wantV, get(t, s, func(tx chat.Tx) (*chat.User, error) { return tx.FindUser(v.ID) }))

	missing := u.ID + v.ID + 1000
	wantNotFound(t, s, "FindUser(missing)", func(tx chat.Tx) error { _, err := tx.FindUser(missing); return err })
	wantNotFound(t, s, "FindUserByToken(missing)", func(tx chat.Tx) error { _, err := tx.FindUserByToken("no-such-token"); return err })
	wantNotFound(t, s, "FindUserByEmail(missing)", func(tx chat.Tx) error { _, err := tx.FindUserByEmail("nobody@example.com"); return err })
	wantDeleteNotFound(t, s, "DeleteUser(missing)", func(tx chat.Tx) error { return tx.DeleteUser(missing) })

	update(t, s, func(tx chat.Tx) error { return tx.DeleteUser(v.ID) })
	wantNotFound(t, s, "FindUser(deleted)", func(tx chat.Tx) error { _, err := tx.FindUser(v.ID); return err })
	if n := get(t, s, chat.Tx.CountUsers); n != 1 {
		t.Errorf("CountUsers after delete = %d, want 1", n)
	}
}

func testUserEmailUnique(t *testing.T, s chat.Store) {
	u := newUser("Ann")
	u.Email = "ann@example.com"
	update(t, s, func(tx chat.Tx) error { return tx.CreateUser(u) })

	dup := newUser("Other Ann")
	dup.Email = "ANN@Example.com"
	err := tryUpdate(t, s, func(tx chat.Tx) error { return tx.CreateUser(dup) })
	wantConflict(t, "CreateUser with a taken email in another case", err, "email", "Email has already been taken")

	b := createUser(t, s, "Bob")
	b.Email = "Ann@EXAMPLE.com"
	err = tryUpdate(t, s, func(tx chat.Tx) error { return tx.UpdateUser(b) })
	wantConflict(t, "UpdateUser to a taken email", err, "email", "Email has already been taken")

	if n := get(t, s, chat.Tx.CountUsers); n != 2 {
		t.Errorf("CountUsers = %d, want 2", n)
	}
	got := get(t, s, func(tx chat.Tx) (*chat.User, error) { return tx.FindUser(b.ID) })
	if got.Email == b.Email {
		t.Errorf("failed UpdateUser changed the email to %q", got.Email)
	}
}

func testAccountUsers(t *testing.T, s chat.Store) {
	a1, a2 := createAccount(t, s, "one"), createAccount(t, s, "two")
	// Agents list by name, ignoring case, then by id: amy before Zed
	// (though Zed's id is lower and "Z" < "a" in ASCII) before a second Zed.
	u1, u2, u3 := createUser(t, s, "Zed"), createUser(t, s, "amy"), createUser(t, s, "zed")

	m := newMembership(a1.ID, u1.ID)
	update(t, s, func(tx chat.Tx) error { return tx.CreateAccountUser(m) })
	if m.ID == 0 {
		t.Fatal("CreateAccountUser did not set the id")
	}
	check(t, "FindAccountUser", m, get(t, s, func(tx chat.Tx) (*chat.AccountUser, error) { return tx.FindAccountUser(a1.ID, u1.ID) }))

	upd := *m
	upd.Role = chat.RoleAgent
	upd.Availability = chat.AvailabilityOffline
	upd.AutoOffline = false
	upd.UpdatedAt = at(100)
	update(t, s, func(tx chat.Tx) error { return tx.UpdateAccountUser(&upd) })
	check(t, "updated account user", &upd,
		get(t, s, func(tx chat.Tx) (*chat.AccountUser, error) { return tx.FindAccountUser(a1.ID, u1.ID) }))

	// Memberships are created out of order to check the sorting.
	m3 := newMembership(a2.ID, u1.ID)
	m2 := newMembership(a1.ID, u2.ID)
	m2.AutoOffline = false
	m2.InviterID = u1.ID
	m4 := newMembership(a1.ID, u3.ID)
	update(t, s, func(tx chat.Tx) error {
		for _, m := range []*chat.AccountUser{m4, m3, m2} {
			if err := tx.CreateAccountUser(m); err != nil {
				return err
			}
		}
		return nil
	})
	check(t, "membership with an inviter", m2,
		get(t, s, func(tx chat.Tx) (*chat.AccountUser, error) { return tx.FindAccountUser(a1.ID, u2.ID) }))
	check(t, "ListAgents(account one)", []chat.Agent{{User: *u2, Membership: *m2}, {User: *u1, Membership: upd}, {User: *u3, Membership: *m4}},
		get(t, s, func(tx chat.Tx) ([]chat.Agent, error) { return tx.ListAgents(a1.ID) }))
	check(t, "ListAgents(account two)", []chat.Agent{{User: *u1, Membership: *m3}},
		get(t, s, func(tx chat.Tx) ([]chat.Agent, error) { return tx.ListAgents(a2.ID) }))
	check(t, "ListMemberships(Ann)", []chat.AccountUser{upd, *m3},
		get(t, s, func(tx chat.Tx) ([]chat.AccountUser, error) { return tx.ListMemberships(u1.ID) }))
	check(t, "ListMemberships(Bob)", []chat.AccountUser{*m2},
		get(t, s, func(tx chat.Tx) ([]chat.AccountUser, error) { return tx.ListMemberships(u2.ID) }))

	err := tryUpdate(t, s, func(tx chat.Tx) error { return tx.CreateAccountUser(newMembership(a1.ID, u1.ID)) })
	wantConflict(t, "CreateAccountUser twice", err, "user_id", "User has already been taken")

	update(t, s, func(tx chat.Tx) error { return tx.DeleteAccountUser(a1.ID, u2.ID) })
	wantNotFound(t, s, "FindAccountUser(deleted)", func(tx chat.Tx) error { _, err := tx.FindAccountUser(a1.ID, u2.ID); return err })
	wantDeleteNotFound(t, s, "DeleteAccountUser(deleted)", func(tx chat.Tx) error { return tx.DeleteAccountUser(a1.ID, u2.ID) })
	wantNotFound(t, s, "FindAccountUser(not a member)", func(tx chat.Tx) error { _, err := tx.FindAccountUser(a2.ID, u2.ID); return err })
	check(t, "ListAgents after delete", []chat.Agent{{User: *u1, Membership: upd}, {User: *u3, Membership: *m4}},
		get(t, s, func(tx chat.Tx) ([]chat.Agent, error) { return tx.ListAgents(a1.ID) }))
	check(t, "ListMemberships after delete", []chat.AccountUser(nil),
		get(t, s, func(tx chat.Tx) ([]chat.AccountUser, error) { return tx.ListMemberships(u2.ID) }))
}

func testDisplayIDs(t *testing.T, s chat.Store) {
	a, b := createAccount(t, s, "a"), createAccount(t, s, "b")
	take := func(accountID int64) int64 {
		t.Helper()
		var n int64
		update(t, s, func(tx chat.Tx) (err error) {
			n, err = tx.NextDisplayID(accountID)
			return err
		})
		return n
	}
	var got []int64
	for _, acc := range []int64{a.ID, a.ID, b.ID, a.ID, b.ID} {
		got = append(got, take(acc))
	}
	check(t, "display ids of a, a, b, a, b", []int64{1, 2, 1, 3, 2}, got)

	// Several in one Update are consecutive.
	got = nil
	update(t, s, func(tx chat.Tx) error {
		for range 3 {
			n, err := tx.NextDisplayID(a.ID)
			if err != nil {
				return err
			}
			got = append(got, n)
		}
		return nil
	})
	check(t, "display ids in one Update", []int64{4, 5, 6}, got)

	// A failed Update gives its numbers back.
	got = nil
	err := tryUpdate(t, s, func(tx chat.Tx) error {
		for range 2 {
			n, err := tx.NextDisplayID(a.ID)
			if err != nil {
				return err
			}
			got = append(got, n)
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("Update = %v, want the fn's error", err)
	}
	check(t, "display ids in a failed Update", []int64{7, 8}, got)
	if n := take(a.ID); n != 7 {
		t.Errorf("display id after a failed Update = %d, want 7", n)
	}
	if n := take(b.ID); n != 3 {
		t.Errorf("display id of b = %d, want 3", n)
	}

	missing := a.ID + b.ID + 1000
	err = tryUpdate(t, s, func(tx chat.Tx) error { _, err := tx.NextDisplayID(missing); return err })
	wantCode(t, "NextDisplayID(missing account)", err, chat.ENOTFOUND)
}
