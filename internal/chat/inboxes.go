package chat

import "context"

// Inbox returns an inbox of the actor's account.
func (s *Service) Inbox(ctx context.Context, a *Actor, id int64) (*Inbox, error) {
	var in *Inbox
	err := s.view(ctx, func(tx Tx) (err error) {
		in, err = tx.FindInbox(a.AccountID, id)
		return err
	})
	return in, err
}

// Inboxes lists the inboxes of the actor's account.
func (s *Service) Inboxes(ctx context.Context, a *Actor) ([]Inbox, error) {
	var list []Inbox
	err := s.view(ctx, func(tx Tx) (err error) {
		list, err = tx.ListInboxes(a.AccountID)
		return err
	})
	return list, err
}
