-- +goose Up
-- Times are integer microseconds since the Unix epoch (UTC); NULL when unset.
-- JSON documents are TEXT, written by Parley in the key order it sends.

CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  locale TEXT NOT NULL DEFAULT 'en',
  domain TEXT NOT NULL DEFAULT '',
  support_email TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'active',
  custom_attributes TEXT NOT NULL DEFAULT '{}',
  last_display_id INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL,
  access_token TEXT NOT NULL,
  avatar_url TEXT NOT NULL DEFAULT '',
  custom_attributes TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_access_token_key ON users (access_token);

CREATE TABLE account_users (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  availability TEXT NOT NULL DEFAULT 'online',
  auto_offline INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX account_users_account_user_key ON account_users (account_id, user_id);
CREATE INDEX account_users_user_idx ON account_users (user_id);

CREATE TABLE channel_api (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  webhook_url TEXT NOT NULL DEFAULT '',
  identifier TEXT NOT NULL,
  hmac_token TEXT NOT NULL,
  hmac_mandatory INTEGER NOT NULL DEFAULT 0,
  additional_attributes TEXT NOT NULL DEFAULT '{}',
  secret TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX channel_api_identifier_key ON channel_api (identifier);

CREATE TABLE channel_web_widgets (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  website_url TEXT NOT NULL DEFAULT '',
  website_token TEXT NOT NULL,
  widget_color TEXT NOT NULL DEFAULT '#1f93ff',
  welcome_title TEXT NOT NULL DEFAULT '',
  welcome_tagline TEXT NOT NULL DEFAULT '',
  feature_flags INTEGER NOT NULL DEFAULT 7,
  reply_time TEXT NOT NULL DEFAULT 'in_a_few_minutes',
  hmac_token TEXT NOT NULL,
  pre_chat_form_enabled INTEGER NOT NULL DEFAULT 0,
  pre_chat_form_options TEXT NOT NULL DEFAULT '{}',
  hmac_mandatory INTEGER NOT NULL DEFAULT 0,
  continuity_via_email INTEGER NOT NULL DEFAULT 1,
  allowed_domains TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX channel_web_widgets_website_token_key ON channel_web_widgets (website_token);

CREATE TABLE inboxes (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  channel_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  channel_type TEXT NOT NULL,
  enable_auto_assignment INTEGER NOT NULL DEFAULT 1,
  greeting_enabled INTEGER NOT NULL DEFAULT 0,
  greeting_message TEXT NOT NULL DEFAULT '',
  working_hours_enabled INTEGER NOT NULL DEFAULT 0,
  out_of_office_message TEXT NOT NULL DEFAULT '',
  timezone TEXT NOT NULL DEFAULT 'UTC',
  enable_email_collect INTEGER NOT NULL DEFAULT 1,
  csat_survey_enabled INTEGER NOT NULL DEFAULT 0,
  allow_messages_after_resolved INTEGER NOT NULL DEFAULT 1,
  auto_assignment_config TEXT NOT NULL DEFAULT '{}',
  lock_to_single_conversation INTEGER NOT NULL DEFAULT 0,
  sender_name_type TEXT NOT NULL DEFAULT 'friendly',
  business_name TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX inboxes_account_idx ON inboxes (account_id);

CREATE TABLE contacts (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name TEXT NOT NULL DEFAULT '',
  email TEXT,
  phone_number TEXT,
  identifier TEXT,
  avatar_url TEXT NOT NULL DEFAULT '',
  additional_attributes TEXT NOT NULL DEFAULT '{}',
  custom_attributes TEXT NOT NULL DEFAULT '{}',
  blocked INTEGER NOT NULL DEFAULT 0,
  last_activity_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX contacts_account_email_key ON contacts (account_id, lower(email));
CREATE UNIQUE INDEX contacts_account_identifier_key ON contacts (account_id, identifier);
CREATE INDEX contacts_account_idx ON contacts (account_id, id);

CREATE TABLE contact_inboxes (
  id INTEGER PRIMARY KEY,
  contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  inbox_id INTEGER NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
  source_id TEXT NOT NULL,
  hmac_verified INTEGER NOT NULL DEFAULT 0,
  pubsub_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX contact_inboxes_inbox_source_key ON contact_inboxes (inbox_id, source_id);
CREATE UNIQUE INDEX contact_inboxes_pubsub_token_key ON contact_inboxes (pubsub_token);
CREATE INDEX contact_inboxes_contact_idx ON contact_inboxes (contact_id);

CREATE TABLE conversations (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  inbox_id INTEGER NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
  status TEXT NOT NULL DEFAULT 'open',
  assignee_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  display_id INTEGER NOT NULL,
  contact_last_seen_at INTEGER,
  agent_last_seen_at INTEGER,
  additional_attributes TEXT NOT NULL DEFAULT '{}',
  contact_inbox_id INTEGER REFERENCES contact_inboxes (id) ON DELETE CASCADE,
  uuid TEXT NOT NULL,
  identifier TEXT,
  last_activity_at INTEGER NOT NULL,
  team_id INTEGER,
  campaign_id INTEGER,
  snoozed_until INTEGER,
  custom_attributes TEXT NOT NULL DEFAULT '{}',
  assignee_last_seen_at INTEGER,
  first_reply_created_at INTEGER,
  priority TEXT,
  sla_policy_id INTEGER,
  waiting_since INTEGER,
  cached_label_list TEXT NOT NULL DEFAULT '',
  assignee_agent_bot_id INTEGER
);
CREATE UNIQUE INDEX conversations_account_display_id_key ON conversations (account_id, display_id);
CREATE UNIQUE INDEX conversations_uuid_key ON conversations (uuid);
CREATE INDEX conversations_account_activity_idx ON conversations (account_id, status, last_activity_at);
CREATE INDEX conversations_contact_idx ON conversations (contact_id);
CREATE INDEX conversations_inbox_idx ON conversations (inbox_id);
CREATE INDEX conversations_contact_inbox_idx ON conversations (contact_inbox_id);
CREATE INDEX conversations_assignee_idx ON conversations (assignee_id);

CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  content TEXT,
  account_id INTEGER NOT NULL,
  inbox_id INTEGER NOT NULL,
  conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  message_type TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  private INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'sent',
  source_id TEXT,
  content_type TEXT NOT NULL DEFAULT 'text',
  content_attributes TEXT NOT NULL DEFAULT '{}',
  sender_type TEXT,
  sender_id INTEGER,
  external_source_ids TEXT NOT NULL DEFAULT '{}',
  additional_attributes TEXT NOT NULL DEFAULT '{}',
  processed_message_content TEXT,
  sentiment TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, id);
CREATE INDEX messages_conversation_type_idx ON messages (conversation_id, message_type, created_at);

-- The outbox: one row per event, written in the transaction of its change.
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL,
  inbox_id INTEGER,
  name TEXT NOT NULL,
  conversation_id INTEGER,
  message_id INTEGER,
  contact_id INTEGER,
  payload BLOB,
  created_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE events;
DROP TABLE messages;
DROP TABLE conversations;
DROP TABLE contact_inboxes;
DROP TABLE contacts;
DROP TABLE inboxes;
DROP TABLE channel_web_widgets;
DROP TABLE channel_api;
DROP TABLE account_users;
DROP TABLE users;
DROP TABLE accounts;
