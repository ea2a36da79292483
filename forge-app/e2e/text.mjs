// End-to-end check, run by e2e/run.mjs in the same page: what an admin types is shown as text, never as markup, and a
// long word (a 120-character name, a 300-character path or URL with no break opportunity) wraps instead of widening the
// page past the admin page's frame (before styles.css's overflow-wrap, the rules list was 2.3 times the viewport wide,
// the connections list 4 times; the editor's heading ran off the right edge).

/** @param {Record<string, any>} ctx the page, the reporter and the helpers of run.mjs */
export async function textScenario(ctx) {
  const { page, step, assert, pick, devToken, run, BACKEND, THIRD_PARTY } = ctx;
  const long = 'N'.repeat(120);
  const ruleName = `<script>window.__xss=1</script> "quoted" 'single' & שלום 😀 ${run} ${long}`;
  const connectionName = `Long ${run} ${'x'.repeat(80)}`;
  const dialogs = [];
  const onDialog = (d) => {
    dialogs.push(d.message());
    d.dismiss().catch(() => undefined);
  };
  page.on('dialog', onDialog);
  // The page's width against its viewport: a horizontal scroll bar means something did not wrap.
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

  await step('text: a connection with a long name and URL is listed without widening the page', async () => {
    const res = await fetch(`${BACKEND}/api/connections`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${await devToken('/api')}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: connectionName, baseUrl: `${THIRD_PARTY}/${'p'.repeat(300)}`, auth: { type: 'bearer' }, secret: `s-${run}` }),
    });
    assert(res.status === 201, `POST /api/connections answered ${res.status}: ${await res.text()}`);
    await page.getByRole('tab', { name: 'Connections' }).click();
    await page.getByRole('row').filter({ hasText: connectionName }).waitFor();
    const extra = await overflow();
    assert(extra <= 0, `the connections page is ${extra}px wider than the window`);
  });

  await step('text: a rule named with markup, quotes, RTL text, emoji and a long word is saved and shown as typed', async () => {
    await page.getByRole('tab', { name: 'Rules' }).click();
    await page.getByRole('button', { name: 'New rule' }).first().click();
    await page.locator('#rule-name').fill(ruleName);
    await pick(page, 'step-0-connection', connectionName.slice(0, 40));
    const path = page.getByLabel(/^Path/).first();
    await path.fill(`/${'q'.repeat(300)}`);
    let extra = await overflow();
    assert(extra <= 0, `the rule editor is ${extra}px wider than the window`);
    await page.getByRole('button', { name: 'Create rule' }).first().click();
    // A save with warnings stays open on the saved rule; either way the list shows it afterwards.
    await page.waitForFunction(() => document.querySelector('[data-testid="warnings-summary"]') || !document.querySelector('#rule-name'));
    if (await page.locator('#rule-name').count()) await page.getByRole('button', { name: 'Done: back to the rules' }).click();
    const cell = page.getByRole('row').filter({ hasText: long }).first();
    await cell.waitFor();
    assert((await cell.innerText()).includes(ruleName), `the rules list shows ${(await cell.innerText()).slice(0, 200)}`);
    extra = await overflow();
    assert(extra <= 0, `the rules list is ${extra}px wider than the window`);
    await page.getByRole('button', { name: `Edit rule ${ruleName}` }).click();
    await page.locator('#rule-name').waitFor();
    assert((await page.locator('#rule-name').inputValue()) === ruleName, 'the name did not come back as typed');
    extra = await overflow();
    assert(extra <= 0, `the rule editor (heading holding the name) is ${extra}px wider than the window`);
    assert(dialogs.length === 0 && !(await page.evaluate(() => 'window.__xss' in window || '__xss' in window)), `markup ran: ${dialogs.join(', ')}`);
    await page.getByRole('button', { name: 'Cancel' }).first().click();
  });
  page.off('dialog', onDialog);
}
