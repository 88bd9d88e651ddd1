// The part of playwright-core's API that test/e2e/vscode.test.ts and workbench.ts use, for `tsc -p test`.
// playwright-core is not a dependency of the project: scripts/setup-e2e installs it (1.65.1) in the
// e2e cache outside the repository (~/.cache/samsara/e2e), where tsc cannot find its own types. The
// signatures below are those of its types/types.d.ts, cut down to the options the test passes (so a
// misspelt option or method is still an error). Checked against the real types: compiling the test
// with `paths: { "playwright-core": ["<e2e cache>/node_modules/playwright-core"] }` gives no error.

declare module 'playwright-core' {
  export interface ConsoleMessage {
    type(): 'log' | 'debug' | 'info' | 'error' | 'warning' | 'dir' | 'dirxml' | 'table' | 'trace' | 'clear' | 'startGroup' | 'startGroupCollapsed' | 'endGroup' | 'assert' | 'profile' | 'profileEnd' | 'count' | 'time' | 'timeEnd';
    text(): string;
  }

  /** The part of the DOM's Element that the test's page functions use (the test has no DOM types). */
  export interface PageElement {
    getAttribute(name: string): string | null;
  }

  export interface Mouse {
    move(x: number, y: number, options?: { steps?: number }): Promise<void>;
  }

  export interface Keyboard {
    press(key: string, options?: { delay?: number }): Promise<void>;
    type(text: string, options?: { delay?: number }): Promise<void>;
  }

  export interface Locator {
    boundingBox(options?: { timeout?: number }): Promise<null | { x: number; y: number; width: number; height: number }>;
    click(options?: { button?: 'left' | 'right' | 'middle'; position?: { x: number; y: number }; timeout?: number }): Promise<void>;
    count(): Promise<number>;
    evaluateAll<R>(pageFunction: (elements: PageElement[]) => R): Promise<R>;
    fill(value: string, options?: { timeout?: number }): Promise<void>;
    first(): Locator;
    getAttribute(name: string, options?: { timeout?: number }): Promise<string | null>;
    hover(options?: { timeout?: number }): Promise<void>;
    inputValue(options?: { timeout?: number }): Promise<string>;
    innerText(options?: { timeout?: number }): Promise<string>;
    isVisible(options?: { timeout?: number }): Promise<boolean>;
    locator(selectorOrLocator: string | Locator, options?: { has?: Locator; hasText?: string | RegExp }): Locator;
    waitFor(options?: { state?: 'attached' | 'detached' | 'visible' | 'hidden'; timeout?: number }): Promise<void>;
  }

  export interface FrameLocator {
    frameLocator(selector: string): FrameLocator;
    locator(selectorOrLocator: string | Locator, options?: { has?: Locator; hasText?: string | RegExp }): Locator;
  }

  export interface Page {
    context(): BrowserContext;
    /** A string is evaluated as an expression in the page. */
    evaluate<R>(pageFunction: string): Promise<R>;
    frameLocator(selector?: string): FrameLocator;
    goto(url: string, options?: { timeout?: number }): Promise<unknown>;
    readonly keyboard: Keyboard;
    readonly mouse: Mouse;
    locator(selector: string, options?: { has?: Locator; hasText?: string | RegExp }): Locator;
    on(event: 'console', listener: (consoleMessage: ConsoleMessage) => unknown): this;
    on(event: 'pageerror', listener: (error: Error) => unknown): this;
    screenshot(options?: { path?: string; fullPage?: boolean }): Promise<Buffer>;
  }

  export interface BrowserContext {
    close(options?: { reason?: string }): Promise<void>;
    newPage(): Promise<Page>;
  }

  export interface Browser {
    close(options?: { reason?: string }): Promise<void>;
    newContext(options?: { viewport?: null | { width: number; height: number } }): Promise<BrowserContext>;
  }

  export interface BrowserType {
    launch(options?: { executablePath?: string; headless?: boolean; timeout?: number }): Promise<Browser>;
  }

  export const chromium: BrowserType;
}
