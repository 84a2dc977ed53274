// The mailboxes of one emulator, keyed by address (case-insensitive, as mail addresses are in
// practice): a mailbox exists from its first sign-in or control-API creation until a reset. What a
// mailbox holds is the provider's mail model, made by the `open` function passed in.

export class MailboxDirectory<Mailbox> {
  private readonly mailboxes = new Map<string, Mailbox>();

  constructor(private readonly open: (email: string) => Mailbox) {}

  get(email: string): Mailbox | undefined {
    return this.mailboxes.get(email.toLowerCase());
  }

  getOrCreate(email: string): Mailbox {
    const key = email.toLowerCase();
    let mailbox = this.mailboxes.get(key);
    if (mailbox === undefined) {
      mailbox = this.open(key);
      this.mailboxes.set(key, mailbox);
    }
    return mailbox;
  }

  list(): Mailbox[] {
    return [...this.mailboxes.values()];
  }

  reset(): void {
    this.mailboxes.clear();
  }
}
