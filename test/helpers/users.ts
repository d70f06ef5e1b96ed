// A tiny in-memory user directory for the test apps: one user per phone number.

export interface TestUser {
  id: string;
  phoneNumber: string;
}

export class Users {
  private readonly byId = new Map<string, TestUser>();
  private readonly byPhone = new Map<string, TestUser>();

  findOrCreate(phoneNumber: string): TestUser {
    let user = this.byPhone.get(phoneNumber);
    if (!user) {
      user = { id: `u${this.byId.size + 1}`, phoneNumber };
      this.byId.set(user.id, user);
      this.byPhone.set(phoneNumber, user);
    }
    return user;
  }

  /** A new user with that phone, even when another user has it already (a shared phone). */
  add(phoneNumber: string): TestUser {
    const user = { id: `u${this.byId.size + 1}`, phoneNumber };
    this.byId.set(user.id, user);
    if (!this.byPhone.has(phoneNumber)) this.byPhone.set(phoneNumber, user);
    return user;
  }

  get(id: string): TestUser | undefined {
    return this.byId.get(id);
  }
}
