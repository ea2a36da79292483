// End-to-end check, run by e2e/run.mjs in the same page: the backend's save-time warnings (docs/api.md "Save-time
// warnings", as the real backend words and keys them) are shown at the field their path names — a credential written
// into a header or query parameter (literal_credential) at its row, a template reading a root the rule's data lacks
// (unknown_scope_root) at the comment — never quoting the credential, and they follow a step that is moved.

/** @param {Record<string, any>} ctx the page, the reporter and the helpers of run.mjs */
export async function warningsScenario(ctx) {
  const { page, step, assert, pick, run, connectionName } = ctx;
  const literal = `literal-${run}`;
  const warningAt = (id) => page.locator(`[data-field-warning="${id}"]`);

  await step('warnings: "Check for problems" shows each backend warning at its field (header row, query row, comment)', async () => {
    await page.getByRole('tab', { name: 'Rules' }).click();
    await page.getByRole('button', { name: 'New rule' }).first().click();
    await page.locator('#rule-name').fill(`E2E warnings ${run}`);
    await pick(page, 'step-0-connection', connectionName);
    await page.locator('#step-0-path').fill('/e2e/items');
    await page.locator('#step-0-headers-add').click();
    await page.locator('#step-0-headers-0-key').fill('Authorization');
    await page.locator('#step-0-headers-0-value').fill(`Bearer ${literal}`);
    await page.locator('#step-0-query-add').click();
    await page.locator('#step-0-query-0-key').fill('api_key');
    await page.locator('#step-0-query-0-value').fill(literal);
    await pick(page, 'add-step-kind', 'Comment on the issue');
    await page.getByRole('button', { name: 'Add step', exact: true }).click();
    await page.locator('#step-1-body').fill('Seen {{ isue.key }}');
    await page.getByRole('button', { name: 'Check for problems' }).click();
    await page.getByTestId('warnings-summary').waitFor();
    for (const id of ['step-0-headers-0-key', 'step-0-query-0-key', 'step-1-body']) {
      await warningAt(id).first().waitFor({ timeout: 5000 }).catch(() => undefined);
      assert((await warningAt(id).count()) === 1, `no warning at #${id}; the page says: ${(await page.getByTestId('warnings-summary').innerText()).slice(0, 300)}`);
    }
    assert((await warningAt('step-0-headers-0-key').innerText()).includes('Authorization'), `the header's warning reads ${await warningAt('step-0-headers-0-key').innerText()}`);
    assert((await warningAt('step-1-body').innerText()).includes('isue'), `the comment's warning reads ${await warningAt('step-1-body').innerText()}`);
    const text = await page.locator('main').innerText();
    const shown = text.split(literal).length - 1;
    // The credential is in the two inputs (values, not text) and nowhere in the page's text.
    assert(shown === 0, `the page's text quotes the credential ${shown} time(s)`);
    assert((await page.locator('[aria-invalid="true"]').count()) === 0, 'a warning marked an input invalid');
  });

  await step('warnings: moving the comment up takes its warning with it', async () => {
    await page.getByRole('button', { name: 'Move step 2 up' }).click();
    await warningAt('step-0-body').waitFor();
    assert((await warningAt('step-1-headers-0-key').count()) === 1, 'the header warning did not follow its step');
    assert((await warningAt('step-0-headers-0-key').count()) === 0, 'a warning stayed at the old place');
    await page.getByRole('button', { name: 'Cancel' }).first().click();
    await page.getByRole('button', { name: 'Discard changes' }).click();
    await page.getByRole('button', { name: 'New rule' }).first().waitFor();
  });
}
