// Counting what the knowledge base saves (docs/API.md, POST /kb/deflection):
// a suggestion opened while writing a ticket is "opened" (once per article);
// leaving the form without sending after opening one is "deflected" (once per
// form, for the last article opened), and so is "Isso resolveu, não preciso
// abrir chamado". A ticket sent after opening suggestions is counted by the
// gateway from POST /tickets's suggestions_opened, not here.

export type Outcome = 'opened' | 'deflected';

export interface DeflectionEvent {
  article_id: string;
  outcome: Outcome;
  client_ref: string;
}

export type Send = (event: DeflectionEvent, leaving: boolean) => void;

export class DeflectionTracker {
  private readonly opened: string[] = [];
  private finished = false;

  constructor(
    private readonly send: Send,
    private readonly newRef: () => string = () => crypto.randomUUID(),
  ) {}

  /** The articles opened so far, for POST /tickets's suggestions_opened. */
  get openedIds(): string[] {
    return [...this.opened];
  }

  /** A suggestion was opened in place. */
  open(articleId: string): void {
    if (this.finished) return;
    const i = this.opened.indexOf(articleId);
    if (i >= 0) {
      this.opened.splice(i, 1);
      this.opened.push(articleId);
      return;
    }
    this.opened.push(articleId);
    this.send({ article_id: articleId, outcome: 'opened', client_ref: this.newRef() }, false);
  }

  /** "Isso resolveu": the article answered the question. */
  solved(articleId: string): void {
    if (this.finished) return;
    if (!this.opened.includes(articleId)) this.open(articleId);
    this.finished = true;
    this.send({ article_id: articleId, outcome: 'deflected', client_ref: this.newRef() }, false);
  }

  /** The ticket was sent: nothing more to count here. */
  sent(): void {
    this.finished = true;
  }

  /** The customer leaves the form (route change or pagehide). */
  leave(): void {
    if (this.finished) return;
    this.finished = true;
    const last = this.opened[this.opened.length - 1];
    if (last !== undefined) this.send({ article_id: last, outcome: 'deflected', client_ref: this.newRef() }, true);
  }
}
