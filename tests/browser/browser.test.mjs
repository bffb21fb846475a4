// The site in a real browser: Debian's headless Chromium at 360×740, with
// JavaScript on and off. Starts the built binary on a temp database.
// Run: HUJIFEN_BIN=target/debug/hujifen node --test tests/browser/
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const ADMIN_PASSWORD = 'browser admin password 2026';
const PHONE = '13812345678';
const here = new URL('.', import.meta.url).pathname;
const binary = resolve(process.env.HUJIFEN_BIN ?? join(here, '../../target/debug/hujifen'));
const axeSource = join(here, 'node_modules/axe-core/axe.min.js');
// Set SCREENSHOTS=folder to keep a 360 px screenshot of each page checked.
const screenshots = process.env.SCREENSHOTS;

let server;
let base;
let browser;
let folder;

function waitForAddress(child) {
  return new Promise((resolvePromise, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${seen}`)), 20000);
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      for (const line of seen.split('\n')) {
        if (!line.includes('"serving"')) continue;
        try {
          const address = JSON.parse(line).fields.address;
          clearTimeout(timer);
          resolvePromise(`http://${address}`);
          return;
        } catch {
          // a partial line; wait for more
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${seen}`)));
  });
}

before(async () => {
  assert.ok(existsSync(binary), `build the binary first (cargo test does): ${binary}`);
  folder = mkdtempSync(join(tmpdir(), 'hujifen-browser-'));
  server = spawn(binary, [], {
    env: {
      ...process.env,
      HUJIFEN_LISTEN: '127.0.0.1:0',
      DATABASE_URL: `sqlite://${folder}/hujifen.db`,
      HUJIFEN_SMS: `file:${folder}/sms.jsonl`,
      HUJIFEN_ADMIN_PASSWORD: ADMIN_PASSWORD,
      HUJIFEN_LOG_FORMAT: 'json',
      HUJIFEN_WORKERS: '2',
      HUJIFEN_DRAIN_SECONDS: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  base = await waitForAddress(server);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

/** A phone-sized page that records every console complaint. */
async function phone({ javaScriptEnabled = true, bypassCSP = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled, bypassCSP, locale: 'zh-CN' });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    const text = message.text();
    // A 422 is the designed answer to a form with mistakes.
    if (/status of 422/.test(text)) return;
    if (message.type() === 'error' || /Content Security Policy|Refused to/.test(text)) problems.push(text);
  });
  page.on('pageerror', (error) => problems.push(String(error)));
  return { context, page, problems };
}

async function takeSelfTest(page, { age = '30', education = 'bachelor_degree', months = '24', tier = 'none' } = {}) {
  await page.goto(`${base}/self-test`);
  await page.fill('#f-age', age);
  await page.selectOption('#f-education', education);
  await page.fill('#f-insurance_months', months);
  await page.check(`input[name=contribution_tier][value=${tier}]`);
  if (!['none', 'unknown'].includes(tier)) await page.check('input[name=base_duration][value=most]');
  await Promise.all([page.waitForURL(/\/self-test\/[0-9a-f]{32}$/), page.click('form.self-test button.primary')]);
  return (await page.textContent('#total')).trim();
}

function smsCount() {
  const file = join(folder, 'sms.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).length : 0;
}

/** axe-core in the page: the critical and serious violations, described. */
async function axeProblems(page) {
  await page.addScriptTag({ path: axeSource });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function keepScreenshot(page, name) {
  if (!screenshots) return;
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

function lastCode() {
  const lines = readFileSync(join(folder, 'sms.jsonl'), 'utf8').trim().split('\n');
  const text = JSON.parse(lines.at(-1)).text;
  return text.match(/\d{6}/)[0];
}

test('the self-test works with JavaScript on', async () => {
  const { context, page, problems } = await phone();
  assert.equal(await takeSelfTest(page), '126');
  assert.match(await page.textContent('#headline'), /已达到120分/);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `no horizontal scrolling at 360 px (${width})`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the self-test works with JavaScript off', async () => {
  const { context, page, problems } = await phone({ javaScriptEnabled: false });
  assert.equal(await takeSelfTest(page), '126');
  const items = await page.$$eval('li.item', (nodes) => nodes.map((n) => n.dataset.code));
  // The shortage list was left unanswered: 不确定, listed at 0 with its reason.
  assert.deepEqual(items, ['age', 'education', 'qualification', 'insurance_years', 'shortage_major']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a guide page arrives gzipped, whole and styled', async () => {
  const { context, page, problems } = await phone();
  const response = await page.goto(`${base}/guide/process`);
  // The page's gzip is spliced around the view count at request time.
  assert.equal((await response.allHeaders())['content-encoding'], 'gzip');
  assert.match(await page.textContent('h1'), /\S/);
  assert.match(await page.textContent('#views'), /^\d+ 浏览$/);
  assert.ok(await page.isVisible('footer'), 'the page is complete to its footer');
  const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
  assert.match(font, /PingFang SC/, 'the gzipped stylesheet applied');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a visitor requests a callback from the result page', async () => {
  const { context, page, problems } = await phone();
  await takeSelfTest(page);
  await page.fill('#c-name', '张三');
  await page.fill('#c-phone', PHONE);
  await page.click('#send-code');
  await page.waitForFunction(() => document.querySelector('#send-code-status').textContent.includes('验证码已发送'), null, { timeout: 20000 });
  assert.match(await page.textContent('#send-code'), /秒后重新获取/);
  await page.fill('#c-code', lastCode());
  await page.check('#c-consent');
  await Promise.all([page.waitForURL(/\/consultations\/thanks(#callback)?$/), page.click('#callback-form button.primary')]);
  assert.equal((await page.textContent('h1')).trim(), '您的服务申请已提交');
  assert.deepEqual(problems, []);
  await context.close();
});

test('an advisor signs in and opens the lead', async () => {
  const { context, page, problems } = await phone();
  await signIn(page);
  assert.equal((await page.textContent('h1')).trim(), '今日队列');
  await Promise.all([page.waitForURL(/\/admin\/leads\/\d+$/), page.click('#new tr.lead-row a')]);
  assert.equal((await page.textContent('#phone')).trim(), '138****5678');
  assert.match(await page.textContent('#snapshot'), /126/);
  await Promise.all([page.waitForNavigation(), page.click('#reveal')]);
  assert.equal((await page.textContent('#phone a.tel')).trim(), PHONE);
  assert.equal(await page.getAttribute('#phone a.tel', 'href'), `tel:${PHONE}`);
  assert.deepEqual(problems, []);
  await context.close();
});

async function signIn(page) {
  await page.goto(`${base}/admin/login`);
  await page.fill('#username', 'admin');
  await page.fill('#password', ADMIN_PASSWORD);
  await Promise.all([page.waitForURL(/\/admin$/), page.click('.login-form button[type=submit]')]);
}

/** Whether the page scrolls sideways at 360 px. */
async function scrollWidth(page) {
  return page.evaluate(() => document.documentElement.scrollWidth);
}

test('the admin pages at 360 px: labelled, cards that open with a tap, no axe violations', async () => {
  // axe is injected as an inline script, which the site's CSP refuses.
  const { context, page, problems } = await phone({ bypassCSP: true });
  await page.goto(`${base}/admin/login`);
  assert.deepEqual(await axeProblems(page), [], 'login');
  await signIn(page);
  for (const path of ['/admin', '/admin/leads', '/admin/advisors']) {
    await page.goto(`${base}${path}`);
    assert.ok(await scrollWidth(page) <= 360, `${path}: no horizontal scrolling`);
    assert.deepEqual(await axeProblems(page), [], path);
    await keepScreenshot(page, `admin${path.replaceAll('/', '-')}`);
  }

  await page.goto(`${base}/admin/leads`);
  const card = page.locator('tr.lead-row').first();
  const box = await card.boundingBox();
  assert.ok(box.height >= 44 && box.width >= 300, `a card is a big tap target (${box.width}×${box.height})`);
  const label = await card.locator('td.phone').evaluate((cell) => getComputedStyle(cell, '::before').content);
  assert.equal(label, '"手机"', 'column names stay visible on a card');
  // The filters follow the list and stick to the bottom of the screen
  // when the list is longer than it: always in view, in a thumb's reach.
  const summary = await page.locator('#filters > summary').boundingBox();
  assert.ok(summary.y + summary.height <= 740, `the filters are in view (${summary.y})`);
  assert.ok(summary.height >= 44, 'the filters open with a big tap target');
  assert.deepEqual(await page.locator('#filters').evaluate((panel) => {
    const style = getComputedStyle(panel);
    return [style.position, style.bottom];
  }), ['sticky', '0px']);
  // A tap anywhere on the card (here its far corner, away from the #id
  // link) opens the lead.
  const corner = { x: box.width - 12, y: box.height - 12 };
  await Promise.all([page.waitForURL(/\/admin\/leads\/\d+$/), card.click({ position: corner })]);

  assert.deepEqual(await axeProblems(page), [], 'a lead');
  await keepScreenshot(page, 'admin-lead');
  // A refused call: the reason is beside the form, in view, focused.
  await Promise.all([page.waitForNavigation(), page.click('#call-form button.primary')]);
  const summaryBox = await page.locator('#call-form .error-summary').boundingBox();
  assert.ok(summaryBox.y >= 0 && summaryBox.y < 740, `the refusal is in view (${summaryBox.y})`);
  assert.equal(await page.evaluate(() => document.activeElement.className), 'error-summary');
  assert.deepEqual(await axeProblems(page), [], 'a refused call');
  await keepScreenshot(page, 'admin-lead-refused');
  // A call: an outcome, a quick-pick date, saved with a flash.
  await page.check('input[name=outcome][value=no_answer]');
  await page.click('.quick-pick >> text=明天');
  assert.match(await page.inputValue('#call-follow-up'), /^\d{4}-\d{2}-\d{2}$/);
  await Promise.all([page.waitForNavigation(), page.click('#call-form button.primary')]);
  assert.equal((await page.textContent('#flash')).trim(), '已保存');
  assert.match(await page.textContent('#timeline'), /通话：未接通（第1次拨打）/);
  assert.deepEqual(await axeProblems(page), [], 'a lead after a call');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the tier question starts unanswered, and skipping it is caught on the page', async () => {
  const { context, page, problems } = await phone();
  await page.goto(`${base}/self-test`);
  assert.equal(await page.locator('input[name=contribution_tier]:checked').count(), 0);
  assert.equal(await page.locator('input:checked').count(), 0, 'nothing pre-selected');
  // With JavaScript the base condition is asked only of title holders.
  assert.equal(await page.isVisible('#f-qualification_base_met'), false);
  await page.selectOption('#f-qualification', 'intermediate_title');
  assert.equal(await page.isVisible('#f-qualification_base_met'), true);
  assert.equal(await page.inputValue('#f-qualification_base_met'), '', 'unanswered: blank is 不确定');
  await page.selectOption('#f-qualification', 'none');
  await page.fill('#f-age', '30');
  await page.selectOption('#f-education', 'college');
  await Promise.all([page.waitForLoadState('load'), page.click('form.self-test button.primary')]);
  assert.match(await page.textContent('.error-summary'), /社保缴费基数/);
  assert.match(await page.textContent('.error-summary'), /交社保的月数/, 'the months are asked, never 0');
  assert.equal(await page.inputValue('#f-age'), '30', 'what was typed is kept');
  await keepScreenshot(page, 'form-error');
  await page.fill('#f-insurance_months', '36');
  await page.check('input[name=contribution_tier][value=unknown]');
  await Promise.all([page.waitForURL(/\/self-test\/[0-9a-f]{32}$/), page.click('form.self-test button.primary')]);
  // 30 + 50 + 9; at best 3× (120) and the shortage list left unanswered (30).
  assert.equal((await page.textContent('#total')).trim(), '89');
  assert.match(await page.textContent('#range'), /89–239/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('without JavaScript the base condition is asked right under 职称, for holders only', async () => {
  const { context, page } = await phone({ javaScriptEnabled: false });
  await page.goto(`${base}/self-test`);
  assert.equal(await page.isVisible('#f-qualification_base_met'), true);
  const order = await page.$$eval('#s-basic [name]', (nodes) => nodes.map((n) => n.name));
  assert.equal(order[order.indexOf('qualification') + 1], 'qualification_base_met');
  assert.match(await page.textContent('#h-qualification_base_met'), /只有/);
  await context.close();
});

test('Enter in the code field submits the callback form, not the code request', async () => {
  const { context, page, problems } = await phone();
  await takeSelfTest(page);
  const sent = smsCount();
  await page.fill('#c-name', '李四');
  await page.fill('#c-phone', '13912345678');
  await page.check('#c-consent');
  await page.fill('#c-code', '000000');
  await Promise.all([page.waitForLoadState('load'), page.press('#c-code', 'Enter')]);
  assert.match(new URL(page.url()).pathname, /^\/consultations$/);
  assert.match(await page.textContent('.error-summary'), /验证码/);
  assert.equal(smsCount(), sent, 'no code was requested');

  await page.goto(`${base}/privacy/requests`);
  await page.fill('#c-phone', '13912345678');
  await page.fill('#c-code', '000000');
  await Promise.all([page.waitForLoadState('load'), page.press('#c-code', 'Enter')]);
  assert.match(new URL(page.url()).pathname, /^\/privacy\/requests$/);
  assert.equal(smsCount(), sent, 'no code was requested');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a parent sees the child\'s 中考 beside the score, at 360 px, with the timeline in print', async () => {
  const { context, page, problems } = await phone({ bypassCSP: true });
  await page.goto(`${base}/self-test`);
  // Asked only with a child: hidden until a grade is chosen.
  assert.equal(await page.isVisible('#f-employer_registered'), false);
  await page.fill('#f-age', '38');
  await page.selectOption('#f-education', 'college');
  await page.fill('#f-insurance_months', '48');
  await page.check('input[name=contribution_tier][value=x0_8]');
  await page.check('input[name=base_duration][value=most]');
  await page.selectOption('#f-child_grade', '8');
  assert.equal(await page.isVisible('#f-employer_registered'), true);
  assert.equal(await page.isVisible('#f-child_birth'), false, 'the birth month is for 还没上小学');
  await page.selectOption('#f-employer_registered', 'true');
  await Promise.all([page.waitForURL(/\/self-test\/[0-9a-f]{32}$/), page.click('form.self-test button.primary')]);
  assert.equal((await page.textContent('#total')).trim(), '117', 'the child never changes the score');
  assert.ok(await page.isVisible('#school'));
  assert.match(await page.textContent('#school h2'), /年中考：/);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `no horizontal scrolling (${width})`);
  assert.deepEqual(await axeProblems(page), [], 'the school card');
  await keepScreenshot(page, 'result-school');
  // Folded on screen, whole on paper.
  assert.equal(await page.isVisible('#school-timeline table'), false);
  assert.equal(await page.isVisible('#school-print'), false);
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.isVisible('#school-print table'), true, 'the timeline prints');
  assert.equal(await page.isVisible('#school-timeline'), false, 'once');
  await page.emulateMedia({ media: 'screen' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('each verdict reads well at 360 px, prints on two A4 pages, and passes axe', async () => {
  const { context, page, problems } = await phone({ bypassCSP: true });
  const visitors = [
    ['reached', { age: '30', education: 'bachelor_degree', months: '48', tier: 'x1' }, '182'],
    ['short', { age: '44', education: 'college', months: '150', tier: 'none' }, '115'],
    // Far short: no single step closes 69 points; the route leads the plan.
    ['short', { age: '45', education: 'none', months: '96', tier: 'none' }, '51'],
    ['blocked', { age: '61', education: 'doctor', months: '240', tier: 'none' }, '170'],
  ];
  for (const [verdict, answers, total] of visitors) {
    assert.equal(await takeSelfTest(page, answers), total, verdict);
    assert.equal(await page.getAttribute('#verdict', 'data-verdict'), verdict);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${verdict}: no horizontal scrolling (${width})`);
    assert.deepEqual(await axeProblems(page), [], verdict);
    await keepScreenshot(page, `result-${verdict}-${total}`);
    const pdf = await page.pdf({ format: 'A4', printBackground: false });
    if (screenshots) writeFileSync(join(screenshots, `result-${verdict}-${total}.pdf`), pdf);
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    assert.ok(pages >= 1 && pages <= 2, `${verdict}: ${pages} A4 pages`);
  }
  for (const path of ['/', '/self-test', '/rules', '/guide/contribution-base', '/guide/children-school', '/guide/faq', '/consultation', '/privacy/requests']) {
    await page.goto(`${base}${path}`);
    assert.deepEqual(await axeProblems(page), [], path);
    await keepScreenshot(page, path === '/' ? 'home' : path.slice(1).replaceAll('/', '-'));
  }
  // The form with errors, and the pre-filled form.
  await page.goto(`${base}/self-test`);
  await page.click('form.self-test button.primary');
  await page.waitForSelector('.error-summary');
  assert.deepEqual(await axeProblems(page), [], 'form with errors');
  assert.deepEqual(problems.filter((p) => !/Content Security Policy/.test(p)), []);
  await context.close();
});

/** What a first-time visitor reads in the basic section, and its height. */
async function basicSection(page) {
  return page.evaluate(() => {
    const section = document.querySelector('#s-basic');
    let text = '';
    const walker = document.createTreeWalker(section, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const parent = walker.currentNode.parentElement;
      const folded = parent.closest('details:not([open])') && !parent.closest('summary');
      if (parent.getClientRects().length && !folded) text += walker.currentNode.textContent;
    }
    return { chars: [...text.replace(/\s/g, '')].length, height: section.getBoundingClientRect().height };
  });
}

test('the basic questions: short to read, under 1.5 screens, 8 taps at most', async () => {
  const { context, page, problems } = await phone();
  await page.goto(`${base}/self-test`);
  const { chars, height } = await basicSection(page);
  assert.ok(chars <= 250, `${chars} characters to read`);
  assert.ok(height <= 1.5 * 740, `${height} px tall at 360 px`);
  // A visitor's quick path, one tap each (a select is two: open, choose).
  const taps = [
    ['tap', () => page.click('#f-age')], ['type', () => page.keyboard.type('32岁')],
    ['tap', () => page.click('#f-education')], ['tap', () => page.selectOption('#f-education', 'bachelor_degree')],
    ['tap', () => page.click('#f-insurance_months')], ['type', () => page.keyboard.type('40')],
    ['tap', () => page.check('input[name=contribution_tier][value=x0_8]')],
    ['tap', () => page.check('input[name=base_duration][value=most]')],
    ['tap', () => Promise.all([page.waitForURL(/\/self-test\/[0-9a-f]{32}$/), page.click('form.self-test button.primary')])],
  ];
  for (const [, action] of taps) await action();
  const count = taps.filter(([kind]) => kind === 'tap').length;
  assert.ok(count <= 8, `${count} taps`);
  // 30 + 90 + 9 + 25: 40 months carry the 0.8× tier (30 would not).
  assert.equal((await page.textContent('#total')).trim(), '154');
  console.log(`basic section: ${chars} characters, ${Math.round(height)} px (${(height / 740).toFixed(2)} screens), ${count} taps`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('after a refused form, focus is on the summary and a link shows the label', async () => {
  const { context, page, problems } = await phone();
  await page.goto(`${base}/self-test`);
  await page.fill('#f-insurance_months', '2年13个月');
  await Promise.all([page.waitForLoadState('load'), page.click('form.self-test button.primary')]);
  await page.waitForFunction(() => document.activeElement && document.activeElement.classList.contains('error-summary'));
  assert.equal(await page.inputValue('#f-insurance_months'), '2年13个月', 'the typed value is kept');
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await page.click('.error-summary a[href="#f-insurance_months"]');
  const seen = await page.evaluate(() => {
    const label = document.querySelector('label[for="f-insurance_months"]');
    const box = label.getBoundingClientRect();
    return { top: box.top, bottom: box.bottom, height: window.innerHeight, focused: document.activeElement.id };
  });
  // Sub-pixel layout may leave the top a fraction of a pixel above 0.
  assert.ok(seen.top > -2 && seen.bottom <= seen.height, `the label is in view: ${JSON.stringify(seen)}`);
  assert.equal(seen.focused, 'f-insurance_months');
  // A radio group's link shows its legend.
  await page.click('.error-summary a[href="#f-contribution_tier"]');
  const legend = await page.evaluate(() => document.querySelector('#f-contribution_tier legend').getBoundingClientRect().top);
  assert.ok(legend > -2 && legend < 740, `the legend is in view (${legend})`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a refused callback on a result page stays on that page, countdown kept', async () => {
  const { context, page, problems } = await phone();
  await takeSelfTest(page);
  const resultUrl = page.url();
  await page.fill('#c-name', '周七');
  await page.fill('#c-phone', '13955556666');
  await page.click('#send-code');
  await page.waitForFunction(() => document.querySelector('#send-code-status').textContent.includes('验证码已发送'), null, { timeout: 20000 });
  await page.fill('#c-code', '000000' === lastCode() ? '111111' : '000000');
  await page.check('#c-consent');
  await Promise.all([page.waitForLoadState('load'), page.click('#callback-form button.primary')]);
  assert.match(page.url(), /\/consultations#callback$/);
  assert.ok(await page.isVisible('#total'), `still the result of ${resultUrl}`);
  assert.match(await page.textContent('#callback-errors'), /验证码/);
  assert.equal(await page.inputValue('#c-name'), '周七');
  assert.match(await page.textContent('#send-code'), /秒后重新获取/);
  const inView = await page.evaluate(() => {
    const box = document.querySelector('#callback').getBoundingClientRect();
    return box.top < window.innerHeight && box.bottom > 0;
  });
  assert.ok(inView, 'the form is where the visitor left it');
  assert.deepEqual(problems, []);
  await context.close();
});

test('controls: 16 px text, 44 px tall, boundaries and focus ring at 3:1', async () => {
  const { context, page } = await phone();
  const luminance = (rgb) => {
    const [r, g, b] = rgb.match(/\d+/g).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrastOnWhite = (rgb) => 1.05 / (luminance(rgb) + 0.05);
  for (const path of ['/self-test', '/consultation', '/admin/login']) {
    await page.goto(`${base}${path}`);
    const controls = await page.$$eval('input[type=text], input[type=tel], input[type=password], select, textarea', (nodes) =>
      nodes.filter((n) => n.getClientRects().length).map((n) => {
        const style = getComputedStyle(n);
        return { id: n.id || n.name, height: n.getBoundingClientRect().height, font: style.fontSize, border: style.borderTopColor };
      }));
    assert.ok(controls.length > 0, path);
    for (const control of controls) {
      assert.ok(control.height >= 44, `${path} ${control.id}: ${control.height} px tall`);
      assert.equal(control.font, '16px', `${path} ${control.id}`);
      assert.ok(contrastOnWhite(control.border) >= 3, `${path} ${control.id}: border ${control.border}`);
    }
    await page.focus(controls[0].id ? `#${controls[0].id}` : 'input');
    const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineColor);
    assert.ok(contrastOnWhite(ring) >= 3, `${path}: focus ring ${ring}`);
  }
  await context.close();
});
