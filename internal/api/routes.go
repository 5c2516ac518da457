package api

// authKind says who may call a route.
type authKind int

const (
	authPublic   authKind = iota // anyone
	authUser                     // any valid user token
	authAccount                  // a member of the path's account
	authAdmin                    // an administrator of the path's account
	authPlatform                 // the platform token
)

// route is one API endpoint. The same table registers the handlers and
// writes the OpenAPI document, so the two cannot drift apart.
type route struct {
	Method  string
	Path    string
	Auth    authKind
	Summary string
	Tag     string
	// Wrapper is the key Rails would wrap the body in ("contact").
	Wrapper string
	// Body and Reply are zero values of the request and response types,
	// for the OpenAPI document; nil means none.
	Body   any
	Reply  any
	Query  []queryParam
	Handle func(*call) (any, error)
}

type queryParam struct {
	Name, Type, Description string
}

const (
	acct = "/api/v1/accounts/{account_id}"
	conv = acct + "/conversations/{conversation_id}"
	plat = "/platform/api/v1"
)

// routeTable lists every route Parley serves.
func (s *Server) routeTable() []route {
	return []route{
		{Method: "GET", Path: "/openapi.json", Auth: authPublic, Tag: "Meta", Summary: "This OpenAPI document", Handle: s.openAPI},
		{Method: "GET", Path: "/healthz", Auth: authPublic, Tag: "Meta", Summary: "Liveness and database check", Reply: health{}, Handle: s.health},
		{Method: "GET", Path: "/metrics", Auth: authPublic, Tag: "Meta", Summary: "Prometheus metrics (text exposition format)", Handle: s.serveMetrics},

		// Platform API.
		{Method: "POST", Path: plat + "/accounts", Auth: authPlatform, Tag: "Platform", Summary: "Create an account", Wrapper: "account", Body: accountBody{}, Reply: accountJSON{}, Handle: s.platformCreateAccount},
		{Method: "GET", Path: plat + "/accounts/{id}", Auth: authPlatform, Tag: "Platform", Summary: "Show an account", Reply: accountJSON{}, Handle: s.platformShowAccount},
		{Method: "PATCH", Path: plat + "/accounts/{id}", Auth: authPlatform, Tag: "Platform", Summary: "Update an account", Wrapper: "account", Body: accountBody{}, Reply: accountJSON{}, Handle: s.platformUpdateAccount},
		{Method: "PUT", Path: plat + "/accounts/{id}", Auth: authPlatform, Tag: "Platform", Summary: "Update an account", Wrapper: "account", Body: accountBody{}, Reply: accountJSON{}, Handle: s.platformUpdateAccount},
		{Method: "DELETE", Path: plat + "/accounts/{id}", Auth: authPlatform, Tag: "Platform", Summary: "Delete an account and everything in it", Handle: s.platformDeleteAccount},
		{Method: "POST", Path: plat + "/users", Auth: authPlatform, Tag: "Platform", Summary: "Create a user (returns its access_token)", Wrapper: "user", Body: userBody{}, Reply: platformUserJSON{}, Handle: s.platformCreateUser},
		{Method: "GET", Path: plat + "/users/{id}", Auth: authPlatform, Tag: "Platform", Summary: "Show a user", Reply: platformUserJSON{}, Handle: s.platformShowUser},
		{Method: "PATCH", Path: plat + "/users/{id}", Auth: authPlatform, Tag: "Platform", Summary: "Update a user", Wrapper: "user", Body: userBody{}, Reply: platformUserJSON{}, Handle: s.platformUpdateUser},
		{Method: "PUT", Path: plat + "/users/{id}", Auth: authPlatform, Tag: "Platform", Summary: "Update a user", Wrapper: "user", Body: userBody{}, Reply: platformUserJSON{}, Handle: s.platformUpdateUser},
		{Method: "DELETE", Path: plat + "/users/{id}", Auth: authPlatform, Tag: "Platform", Summary: "Delete a user", Handle: s.platformDeleteUser},
		{Method: "POST", Path: plat + "/accounts/{id}/account_users", Auth: authPlatform, Tag: "Platform", Summary: "Add a user to an account", Wrapper: "account_user", Body: accountUserBody{}, Reply: accountUserJSON{}, Handle: s.platformCreateAccountUser},
		{Method: "GET", Path: plat + "/accounts/{id}/account_users", Auth: authPlatform, Tag: "Platform", Summary: "List an account's users", Reply: []accountUserJSON{}, Handle: s.platformListAccountUsers},
		{Method: "DELETE", Path: plat + "/accounts/{id}/account_users", Auth: authPlatform, Tag: "Platform", Summary: "Remove a user from an account", Wrapper: "account_user", Body: accountUserBody{}, Handle: s.platformDeleteAccountUser},

		{Method: "GET", Path: "/api/v1/profile", Auth: authUser, Tag: "Profile", Summary: "The signed-in user", Reply: profileJSON{}, Handle: s.showProfile},

		// Agents.
		{Method: "GET", Path: acct + "/agents", Auth: authAccount, Tag: "Agents", Summary: "List agents", Reply: []agentJSON{}, Handle: s.listAgents},
		{Method: "POST", Path: acct + "/agents", Auth: authAdmin, Tag: "Agents", Summary: "Add an agent", Wrapper: "agent", Body: agentBody{}, Reply: agentJSON{}, Handle: s.createAgent},
		{Method: "PATCH", Path: acct + "/agents/{id}", Auth: authAdmin, Tag: "Agents", Summary: "Update an agent", Wrapper: "agent", Body: agentBody{}, Reply: agentJSON{}, Handle: s.updateAgent},
		{Method: "PUT", Path: acct + "/agents/{id}", Auth: authAdmin, Tag: "Agents", Summary: "Update an agent", Wrapper: "agent", Body: agentBody{}, Reply: agentJSON{}, Handle: s.updateAgent},
		{Method: "DELETE", Path: acct + "/agents/{id}", Auth: authAdmin, Tag: "Agents", Summary: "Remove an agent", Handle: s.deleteAgent},

		// Inboxes.
		{Method: "GET", Path: acct + "/inboxes", Auth: authAccount, Tag: "Inboxes", Summary: "List inboxes", Reply: inboxList{}, Handle: s.listInboxes},
		{Method: "GET", Path: acct + "/inboxes/{id}", Auth: authAccount, Tag: "Inboxes", Summary: "Show an inbox", Reply: inboxJSON{}, Handle: s.showInbox},
		{Method: "POST", Path: acct + "/inboxes", Auth: authAdmin, Tag: "Inboxes", Summary: "Create an inbox (channel api or web_widget)", Wrapper: "inbox", Body: inboxBody{}, Reply: inboxJSON{}, Handle: s.createInbox},
		{Method: "PATCH", Path: acct + "/inboxes/{id}", Auth: authAdmin, Tag: "Inboxes", Summary: "Update an inbox", Wrapper: "inbox", Body: inboxBody{}, Reply: inboxJSON{}, Handle: s.updateInbox},
		{Method: "PUT", Path: acct + "/inboxes/{id}", Auth: authAdmin, Tag: "Inboxes", Summary: "Update an inbox", Wrapper: "inbox", Body: inboxBody{}, Reply: inboxJSON{}, Handle: s.updateInbox},
		{Method: "DELETE", Path: acct + "/inboxes/{id}", Auth: authAdmin, Tag: "Inboxes", Summary: "Delete an inbox with its conversations", Reply: inboxDeleted{}, Handle: s.deleteInbox},

		// Webhooks.
		{Method: "GET", Path: acct + "/webhooks", Auth: authAdmin, Tag: "Webhooks", Summary: "List webhooks", Reply: webhookListReply{}, Handle: s.listWebhooks},
		{Method: "POST", Path: acct + "/webhooks", Auth: authAdmin, Tag: "Webhooks", Summary: "Create a webhook (its secret is generated)", Wrapper: "webhook", Body: webhookBody{}, Reply: webhookReply{}, Handle: s.createWebhook},
		{Method: "PATCH", Path: acct + "/webhooks/{id}", Auth: authAdmin, Tag: "Webhooks", Summary: "Update a webhook", Wrapper: "webhook", Body: webhookBody{}, Reply: webhookReply{}, Handle: s.updateWebhook},
		{Method: "PUT", Path: acct + "/webhooks/{id}", Auth: authAdmin, Tag: "Webhooks", Summary: "Update a webhook", Wrapper: "webhook", Body: webhookBody{}, Reply: webhookReply{}, Handle: s.updateWebhook},
		{Method: "DELETE", Path: acct + "/webhooks/{id}", Auth: authAdmin, Tag: "Webhooks", Summary: "Delete a webhook", Handle: s.deleteWebhook},
		{Method: "POST", Path: acct + "/webhooks/{id}/rotate_secret", Auth: authAdmin, Tag: "Webhooks", Summary: "Replace the secret; the old one keeps signing for 24 hours (Parley's own)", Reply: webhookReply{}, Handle: s.rotateWebhookSecret},

		// Delivery log (Parley's own): an account webhook's, and an API
		// inbox's webhook_url's, under .../webhook.
		{Method: "GET", Path: acct + "/webhooks/{webhook_id}/deliveries", Auth: authAdmin, Tag: "Delivery log", Summary: "A webhook's deliveries, newest first, with its health", Reply: deliveryListReply{}, Query: deliveryListQuery, Handle: s.listDeliveries(webhookTarget)},
		{Method: "GET", Path: acct + "/webhooks/{webhook_id}/deliveries/{id}", Auth: authAdmin, Tag: "Delivery log", Summary: "A delivery with its payload and every attempt", Reply: deliveryDetailJSON{}, Handle: s.showDelivery(webhookTarget)},
		{Method: "POST", Path: acct + "/webhooks/{webhook_id}/deliveries/{id}/redeliver", Auth: authAdmin, Tag: "Delivery log", Summary: "Send a delivery again now, with the same delivery id", Reply: deliveryJSON{}, Handle: s.redeliver(webhookTarget)},
		{Method: "POST", Path: acct + "/webhooks/{webhook_id}/recover", Auth: authAdmin, Tag: "Delivery log", Summary: "Send again every delivery that failed since a time", Body: recoverBody{}, Reply: recoverReply{}, Handle: s.recoverDeliveries(webhookTarget)},
		{Method: "POST", Path: acct + "/webhooks/{webhook_id}/enable", Auth: authAdmin, Tag: "Delivery log", Summary: "Re-enable a webhook disabled after failing, and optionally recover what it missed", Body: enableBody{}, Reply: enableReply{}, Handle: s.enableEndpoint(webhookTarget)},
		{Method: "GET", Path: acct + "/inboxes/{inbox_id}/webhook/deliveries", Auth: authAdmin, Tag: "Delivery log", Summary: "An API inbox's webhook_url deliveries, newest first, with its health", Reply: deliveryListReply{}, Query: deliveryListQuery, Handle: s.listDeliveries(inboxTarget)},
		{Method: "GET", Path: acct + "/inboxes/{inbox_id}/webhook/deliveries/{id}", Auth: authAdmin, Tag: "Delivery log", Summary: "A delivery to an API inbox's webhook_url with its payload and every attempt", Reply: deliveryDetailJSON{}, Handle: s.showDelivery(inboxTarget)},
		{Method: "POST", Path: acct + "/inboxes/{inbox_id}/webhook/deliveries/{id}/redeliver", Auth: authAdmin, Tag: "Delivery log", Summary: "Send a delivery to an API inbox's webhook_url again now", Reply: deliveryJSON{}, Handle: s.redeliver(inboxTarget)},
		{Method: "POST", Path: acct + "/inboxes/{inbox_id}/webhook/recover", Auth: authAdmin, Tag: "Delivery log", Summary: "Send again every delivery to an API inbox's webhook_url that failed since a time", Body: recoverBody{}, Reply: recoverReply{}, Handle: s.recoverDeliveries(inboxTarget)},
		{Method: "POST", Path: acct + "/inboxes/{inbox_id}/webhook/enable", Auth: authAdmin, Tag: "Delivery log", Summary: "Re-enable an API inbox's webhook_url, and optionally recover what it missed", Body: enableBody{}, Reply: enableReply{}, Handle: s.enableEndpoint(inboxTarget)},

		// Contacts.
		{Method: "GET", Path: acct + "/contacts", Auth: authAccount, Tag: "Contacts", Summary: "List contacts", Reply: contactList{}, Query: contactListQuery, Handle: s.listContacts},
		{Method: "GET", Path: acct + "/contacts/search", Auth: authAccount, Tag: "Contacts", Summary: "Search contacts by name, email, phone number or identifier", Reply: contactList{}, Query: contactSearchQuery, Handle: s.searchContacts},
		{Method: "POST", Path: acct + "/contacts", Auth: authAccount, Tag: "Contacts", Summary: "Create a contact", Wrapper: "contact", Body: contactBody{}, Reply: contactCreated{}, Handle: s.createContact},
		{Method: "GET", Path: acct + "/contacts/{id}", Auth: authAccount, Tag: "Contacts", Summary: "Show a contact", Reply: contactShow{}, Handle: s.showContact},
		{Method: "PATCH", Path: acct + "/contacts/{id}", Auth: authAccount, Tag: "Contacts", Summary: "Update a contact", Wrapper: "contact", Body: contactBody{}, Reply: contactShow{}, Handle: s.updateContact},
		{Method: "PUT", Path: acct + "/contacts/{id}", Auth: authAccount, Tag: "Contacts", Summary: "Update a contact", Wrapper: "contact", Body: contactBody{}, Reply: contactShow{}, Handle: s.updateContact},
		{Method: "DELETE", Path: acct + "/contacts/{id}", Auth: authAdmin, Tag: "Contacts", Summary: "Delete a contact with its conversations", Handle: s.deleteContact},
		{Method: "POST", Path: acct + "/contacts/{id}/contact_inboxes", Auth: authAccount, Tag: "Contacts", Summary: "Link a contact to an inbox", Wrapper: "contact_inbox", Body: contactInboxBody{}, Reply: contactInboxJSON{}, Handle: s.createContactInbox},

		// Conversations.
		{Method: "GET", Path: acct + "/conversations", Auth: authAccount, Tag: "Conversations", Summary: "List conversations", Reply: conversationList{}, Query: conversationListQuery, Handle: s.listConversations},
		{Method: "GET", Path: acct + "/conversations/meta", Auth: authAccount, Tag: "Conversations", Summary: "Conversation counts", Reply: conversationMeta{}, Query: conversationListQuery, Handle: s.conversationsMeta},
		{Method: "POST", Path: acct + "/conversations", Auth: authAccount, Tag: "Conversations", Summary: "Create a conversation", Wrapper: "conversation", Body: conversationBody{}, Reply: conversationJSON{}, Handle: s.createConversation},
		{Method: "GET", Path: conv, Auth: authAccount, Tag: "Conversations", Summary: "Show a conversation", Reply: conversationJSON{}, Handle: s.showConversation},
		{Method: "POST", Path: conv + "/toggle_status", Auth: authAccount, Tag: "Conversations", Summary: "Change or toggle the status", Wrapper: "conversation", Body: toggleStatusBody{}, Reply: toggleStatusReply{}, Handle: s.toggleStatus},
		{Method: "POST", Path: conv + "/toggle_priority", Auth: authAccount, Tag: "Conversations", Summary: "Set the priority", Wrapper: "conversation", Body: togglePriorityBody{}, Handle: s.togglePriority},
		{Method: "POST", Path: conv + "/assignments", Auth: authAccount, Tag: "Conversations", Summary: "Assign to an agent (null unassigns)", Wrapper: "assignment", Body: assignmentBody{}, Reply: (*agentJSON)(nil), Handle: s.assignConversation},
		{Method: "POST", Path: conv + "/custom_attributes", Auth: authAccount, Tag: "Conversations", Summary: "Set custom attributes", Wrapper: "conversation", Body: customAttributesBody{}, Reply: customAttributesReply{}, Handle: s.setConversationCustomAttributes},
		{Method: "GET", Path: conv + "/labels", Auth: authAccount, Tag: "Conversations", Summary: "List labels", Reply: labelsReply{}, Handle: s.listLabels},
		{Method: "POST", Path: conv + "/labels", Auth: authAccount, Tag: "Conversations", Summary: "Replace labels", Wrapper: "label", Body: labelsBody{}, Reply: labelsReply{}, Handle: s.setLabels},
		{Method: "POST", Path: conv + "/update_last_seen", Auth: authAccount, Tag: "Conversations", Summary: "Mark as seen by the agent", Reply: conversationJSON{}, Handle: s.updateLastSeen},
		{Method: "POST", Path: conv + "/toggle_typing_status", Auth: authAccount, Tag: "Conversations", Summary: "Agent typing on or off", Wrapper: "conversation", Body: typingBody{}, Handle: s.toggleTyping},

		// Messages.
		{Method: "GET", Path: conv + "/messages", Auth: authAccount, Tag: "Messages", Summary: "List messages", Reply: messageList{}, Query: messageListQuery, Handle: s.listMessages},
		{Method: "POST", Path: conv + "/messages", Auth: authAccount, Tag: "Messages", Summary: "Create a message", Wrapper: "message", Body: messageBody{}, Reply: messageJSON{}, Handle: s.createMessage},
		{Method: "PATCH", Path: conv + "/messages/{id}", Auth: authAccount, Tag: "Messages", Summary: "Update delivery status (API inboxes)", Wrapper: "message", Body: messageStatusBody{}, Reply: messageJSON{}, Handle: s.updateMessage},
		{Method: "DELETE", Path: conv + "/messages/{id}", Auth: authAccount, Tag: "Messages", Summary: "Delete a message (its content is replaced)", Reply: messageJSON{}, Handle: s.deleteMessage},
	}
}

const (
	wdg = "/api/v1/widget"
	pub = "/public/api/v1/inboxes/{inbox_identifier}"
	pcv = pub + "/contacts/{source_id}/conversations/{conversation_id}"
	// clientTag groups the public client API in the OpenAPI document.
	clientTag = "Client API"
)

// visitorRouteTable lists the routes visitors call: the live-chat widget's
// (website_token and the X-Auth-Token visitor token) and the public client
// API of API inboxes (inbox identifier and source_id). Every one passes
// the visitor guard (body size, rate limits, origin) first.
func (s *Server) visitorRouteTable() []route {
	return []route{
		{Method: "POST", Path: wdg + "/config", Auth: authWidgetInbox, Handle: s.widgetConfig},
		{Method: "GET", Path: wdg + "/config", Auth: authWidgetInbox, Handle: s.widgetConfig},
		{Method: "GET", Path: wdg + "/contact", Auth: authWidget, Handle: s.widgetShowContact},
		{Method: "PATCH", Path: wdg + "/contact", Auth: authWidget, Wrapper: "contact", Handle: s.widgetUpdateContact},
		{Method: "PATCH", Path: wdg + "/contact/set_user", Auth: authWidget, Wrapper: "contact", Handle: s.widgetSetUser},
		{Method: "POST", Path: wdg + "/contact/set_user", Auth: authWidget, Wrapper: "contact", Handle: s.widgetSetUser},
		{Method: "GET", Path: wdg + "/conversations", Auth: authWidget, Handle: s.widgetConversations},
		{Method: "POST", Path: wdg + "/conversations", Auth: authWidget, Handle: s.widgetCreateConversation},
		{Method: "POST", Path: wdg + "/conversations/toggle_typing", Auth: authWidget, Handle: s.widgetToggleTyping},
		{Method: "POST", Path: wdg + "/conversations/update_last_seen", Auth: authWidget, Handle: s.widgetUpdateLastSeen},
		{Method: "GET", Path: wdg + "/conversations/toggle_status", Auth: authWidget, Handle: s.widgetToggleStatus},
		{Method: "POST", Path: wdg + "/conversations/toggle_status", Auth: authWidget, Handle: s.widgetToggleStatus},
		{Method: "GET", Path: wdg + "/messages", Auth: authWidget, Handle: s.widgetMessages},
		{Method: "POST", Path: wdg + "/messages", Auth: authWidget, Wrapper: "message", Handle: s.widgetCreateMessage},
		{Method: "PATCH", Path: wdg + "/messages/{id}", Auth: authWidget, Wrapper: "message", Handle: s.widgetUpdateMessage},
		{Method: "POST", Path: wdg + "/events", Auth: authWidget, Handle: s.widgetEvent},
		{Method: "GET", Path: wdg + "/stream", Auth: authWidget, Handle: s.widgetStream},

		{Method: "POST", Path: pub + "/contacts", Auth: authClientInbox, Tag: clientTag, Summary: "Create a contact of the inbox (source_id and pubsub_token come back)", Wrapper: "contact", Body: visitorContactBody{}, Reply: publicContactJSON{}, Handle: s.publicCreateContact},
		{Method: "GET", Path: pub + "/contacts/{source_id}", Auth: authClientVisitor, Tag: clientTag, Summary: "Show the contact", Reply: publicContactJSON{}, Handle: s.publicShowContact},
		{Method: "PATCH", Path: pub + "/contacts/{source_id}", Auth: authClientVisitor, Tag: clientTag, Summary: "Update the contact (identifier with identifier_hash proves who it is)", Wrapper: "contact", Body: visitorContactBody{}, Reply: publicContactJSON{}, Handle: s.publicUpdateContact},
		{Method: "PUT", Path: pub + "/contacts/{source_id}", Auth: authClientVisitor, Tag: clientTag, Summary: "Update the contact", Wrapper: "contact", Body: visitorContactBody{}, Reply: publicContactJSON{}, Handle: s.publicUpdateContact},
		{Method: "GET", Path: pub + "/contacts/{source_id}/conversations", Auth: authClientVisitor, Tag: clientTag, Summary: "List the contact's conversations in the inbox", Reply: []publicConversationJSON{}, Handle: s.publicListConversations},
		{Method: "POST", Path: pub + "/contacts/{source_id}/conversations", Auth: authClientVisitor, Tag: clientTag, Summary: "Start a conversation", Wrapper: "conversation", Body: publicConversationBody{}, Reply: publicConversationJSON{}, Handle: s.publicCreateConversation},
		{Method: "GET", Path: pcv, Auth: authClientVisitor, Tag: clientTag, Summary: "Show a conversation with its latest messages", Reply: publicConversationJSON{}, Handle: s.publicShowConversation},
		{Method: "POST", Path: pcv + "/toggle_status", Auth: authClientVisitor, Tag: clientTag, Summary: "Resolve the conversation", Reply: publicConversationJSON{}, Handle: s.publicToggleStatus},
		{Method: "POST", Path: pcv + "/toggle_typing", Auth: authClientVisitor, Tag: clientTag, Summary: "Tell the agents the contact is typing (on) or stopped (off)", Body: typingStatusBody{}, Handle: s.publicToggleTyping},
		{Method: "POST", Path: pcv + "/update_last_seen", Auth: authClientVisitor, Tag: clientTag, Summary: "Mark the conversation seen by the contact now", Handle: s.publicUpdateLastSeen},
		{Method: "GET", Path: pcv + "/messages", Auth: authClientVisitor, Tag: clientTag, Summary: "List messages, newest page first", Reply: []visitorMessageJSON{},
			Query: []queryParam{{"before", "integer", "messages before this id"}}, Handle: s.publicListMessages},
		{Method: "POST", Path: pcv + "/messages", Auth: authClientVisitor, Tag: clientTag, Summary: "Send a message as the contact", Wrapper: "message", Body: publicMessageBody{}, Reply: visitorMessageJSON{}, Handle: s.publicCreateMessage},
		{Method: "PATCH", Path: pcv + "/messages/{id}", Auth: authClientVisitor, Tag: clientTag, Summary: "Answer an agent's form or options message (submitted_values)", Wrapper: "message", Body: submitBody{}, Reply: visitorMessageJSON{}, Handle: s.publicUpdateMessage},
	}
}
