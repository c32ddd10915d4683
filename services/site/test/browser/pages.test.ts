import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  imagesLoaded,
  launchTestBrowser,
  seriousAccessibilityViolations,
} from '@qdn/local-cloud/test-browser';
import { eventually, startTestCloud, type TestCloud } from '@qdn/local-cloud/test-harness';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';

// The public pages in a real browser: Debian's Chromium, driven by playwright-core, at phone size,
// against the local cloud — the site port serves the pages through the site's own CloudFront Function
// and security headers, the pages call the API port. One cloud and one browser for the whole file.
// Each page is checked with axe-core (no serious or critical violation) and photographed for the README.

const PHONE = { width: 390, height: 844 };
// Phone-size screenshots of every page: test artifacts in the temp dir on each run; with
// QDN_UPDATE_SCREENSHOTS=1 they replace the ones the README shows (services/site/docs/screenshots/).
const SCREENSHOTS =
  process.env.QDN_UPDATE_SCREENSHOTS === '1'
    ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
    : join(tmpdir(), 'qdn-site-screenshots/');
const NOT_FOUND = 'Job not found, or this tracking link is no longer valid';
const CREW_NOT_FOUND = 'This crew link is unknown or no longer valid';

let site: TestCloud;
let cloud: TestCloud['cloud'];
let browser: Browser;
let phone: BrowserContext;
/** Console errors and page errors of every page (CSP refusals show up here), checked after each test. */
const browserErrors: string[] = [];

beforeAll(async () => {
  // Every booking here comes from one address (this machine); the per-address limit has its own test
  // (test/integration/boundaries.test.ts), the per-phone one is tested below.
  [site, browser] = await Promise.all([
    startTestCloud('site', { environment: { BOOKINGS_PER_IP_PER_HOUR: '100' } }),
    launchTestBrowser(),
  ]);
  ({ cloud } = site);
  phone = await browser.newContext({
    viewport: PHONE,
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    locale: 'en-US',
    timezoneId: 'America/Los_Angeles',
  });
  // Nothing leaves this machine: anything off the local cloud is refused (the map comes from its
  // static map fake, the view's mapImageUrl).
  await phone.route(/^https?:\/\/(?!(localhost|127\.0\.0\.1)[:/])/, (route) => route.abort());
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

const api = (...args: Parameters<TestCloud['api']>) => site.api(...args);

/** The first text to this number whose body has a link matching `path`, and that link. */
function linkTextedTo(e164: string, path: RegExp) {
  return eventually(
    () => {
      for (const message of cloud.twilio.messages()) {
        if (message.to !== e164) continue;
        const link = new RegExp(`https?://\\S+${path.source}`).exec(message.body)?.[0];
        if (link) return { body: message.body, link };
      }
      return undefined;
    },
    { what: `a text to ${e164} with a link` },
  );
}

async function openPage(url: string, before?: (page: Page) => void): Promise<Page> {
  const page = await phone.newPage();
  before?.(page);
  page.on('console', (message) => {
    // Aborted requests (the test's own network block) are not the page's fault.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      browserErrors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => browserErrors.push(`${page.url()}: ${error.message}`));
  await page.goto(url);
  return page;
}

/** The text a person sees in the element (innerText: rendered, hidden parts left out). */
// biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is what is on screen, on purpose.
const textOf = (page: Page, selector: string) => page.locator(selector).innerText();

async function waitForText(page: Page, selector: string, text: string | RegExp, timeout = 15_000) {
  await page.locator(selector).filter({ hasText: text }).first().waitFor({ timeout });
}

/** axe-core in the page (evaluated through the DevTools protocol, so the page's CSP does not block it). */

async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** A JPEG drawn by the browser itself, as a phone's camera would hand one to the file input. */
async function cameraPhoto(page: Page): Promise<Buffer> {
  const dataUrl = (await page.evaluate(`(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 480;
    const pen = canvas.getContext('2d');
    pen.fillStyle = '#3a7d44';
    pen.fillRect(0, 0, 640, 480);
    pen.fillStyle = '#f5f5f5';
    pen.fillRect(120, 160, 400, 160);
    return canvas.toDataURL('image/jpeg', 0.85);
  })()`)) as string;
  return Buffer.from(dataUrl.split(',')[1]!, 'base64');
}

/** Uploads a photo through the page's file input; resolves once it shows in the gallery, loaded. */
async function uploadPhoto(page: Page) {
  const before = await page.locator('#photo-list li').count();
  await page.setInputFiles('#photo-input', {
    name: 'IMG_0042.jpg',
    mimeType: 'image/jpeg',
    buffer: await cameraPhoto(page),
  });
  await waitForText(page, '#upload-status', 'Photo added', 30_000);
  // "Photo added" is said once the gallery has it.
  expect(await page.locator('#photo-list li').count()).toBe(before + 1);
  await imagesLoaded(page, '#photo-list img');
}

const daysFromNow = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

afterEach(() => {
  const errors = browserErrors.splice(0);
  expect(errors).toEqual([]);
});

describe('the site port', () => {
  it('serves a page URL through the rewrite function, with the distribution’s security headers', async () => {
    // Act
    const page = await fetch(`${cloud.siteUrl}/track/${randomBytes(24).toString('base64url')}`);
    const missing = await fetch(`${cloud.siteUrl}/no/such/page`);
    const config = await fetch(`${cloud.siteUrl}/config.json`);
    const post = await fetch(`${cloud.siteUrl}/book`, { method: 'POST', body: 'x' });

    // Assess
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<script type="module" src="/js/track.js"></script>');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(`connect-src 'self' http://127.0.0.1:4000`);
    expect(csp).toMatch(new RegExp(`connect-src [^;]*${cloud.apiUrl}`));
    // The media bucket's deployed host, its name resolved as CloudFormation would (account and region).
    expect(csp).toMatch(
      /img-src [^;]*https:\/\/qdn-local-media-000000000000-us-west-2\.s3\.us-west-2\.amazonaws\.com/,
    );
    expect(page.headers.get('strict-transport-security')).toBe('max-age=63072000; includeSubDomains');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('<h1>Page not found</h1>');
    expect(await config.json()).toEqual({ apiBaseUrl: cloud.apiUrl, defaultBrandId: 'qdn' });
    expect(post.status).toBe(403);
  });
});

describe('the tracking page', () => {
  const customer = '+16195550161';
  let jobId: string;
  let link: string;
  let page: Page;

  beforeAll(async () => {
    const created = await api('POST', '/jobs', {
      role: 'dispatcher',
      body: {
        customer: { name: 'Mark Soderblom', phone: '(619) 555-0161' },
        address: { text: '4410 Soderblom Ave, San Diego, CA', lat: 32.83, lng: -117.14 },
        serviceType: 'trailer_pickup_and_dump',
        schedule: { date: daysFromNow(2), window: 'afternoon' },
        crewIds: [],
      },
    });
    expect(created.status).toBe(201);
    jobId = created.body.job.jobId;
  });

  it('given the tracking link from the SMS, when opened, then the page shows the job scheduled, branded, with the text in its thread', async () => {
    // Prepare
    const texted = await linkTextedTo(customer, /\/track\/[A-Za-z0-9_-]+/);
    link = texted.link;
    expect(link.startsWith(`${cloud.siteUrl}/track/`)).toBe(true);

    // Act
    page = await openPage(link);

    // Assess
    await waitForText(page, '#status-text', 'Scheduled');
    expect(await textOf(page, '#brand-name')).toBe('QuickDumpNow');
    expect(await textOf(page, '#greeting')).toBe('Hi Mark');
    expect(await textOf(page, '#schedule-time')).toBe('12:00 PM – 5:00 PM');
    expect(await textOf(page, '#steps li[aria-current="step"]')).toContain('Scheduled');
    // The thread shows the text as recorded: the link's token is never stored, so it reads [link].
    await waitForText(
      page,
      '#message-list',
      texted.body.replace(/\/track\/[A-Za-z0-9_-]+/, '/track/[link]'),
      20_000,
    );
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'track-scheduled');
  });

  it('given the job moves to en route, then the open page shows it within 15 s with the ETA and the truck, in place', async () => {
    // Prepare: watch the page for elements being thrown away and rebuilt (a flicker).
    await page.evaluate(`(() => {
      window.statusNode = document.getElementById('status-text');
      window.removedElements = [];
      new MutationObserver((records) => {
        for (const record of records) {
          if (record.target.closest('#map')) continue;
          for (const node of record.removedNodes) if (node.nodeType === 1) window.removedElements.push(node.outerHTML);
        }
      }).observe(document.getElementById('tracking'), { childList: true, subtree: true });
    })()`);

    // Act
    const moved = await api('POST', `/jobs/${jobId}/status`, {
      role: 'dispatcher',
      body: { status: 'en_route', etaMinutes: 12 },
    });
    const movedAt = Date.now();
    expect(moved.status).toBe(200);
    const located = await api('POST', `/jobs/${jobId}/locations`, {
      role: 'dispatcher',
      body: { points: [{ lat: 32.8312, lng: -117.1455, recordedAt: new Date().toISOString() }] },
    });
    expect(located.status).toBe(202);
    await cloud.twilio.sendInbound({ from: customer, body: 'Gate code is 4410, park by the garage' });

    // Assess
    await waitForText(page, '#status-text', 'On the way', 15_000);
    const seconds = (Date.now() - movedAt) / 1000;
    console.log(`en route shown ${seconds.toFixed(1)} s after the status change`);
    expect(seconds).toBeLessThan(15);
    expect(await textOf(page, '#eta-text')).toMatch(/^Expected around \d{1,2}:\d{2} (AM|PM)$/);
    expect(await textOf(page, '#eta-detail')).toMatch(/^About 1[12] min away$/);
    expect(await textOf(page, '#location-text')).toBe('Location updated just now');
    await page.locator('#map').waitFor({ state: 'visible' });
    expect(await page.locator('.map-credit').isVisible()).toBe(true);
    expect(await textOf(page, '.map-credit')).toBe('Map © Amazon Location Service and its data providers');
    // One static map image of the truck's point (Amazon Location's GetStaticMap, longitude first), asked
    // with the site's maps key and the site's origin as Referer (the key's restriction), never the path.
    const mapImage = new URL((await page.locator('#map img').getAttribute('src'))!);
    expect(`${mapImage.origin}${mapImage.pathname}`).toBe(`${cloud.apiUrl}/_local/maps/v2/static/map@2x`);
    expect(Object.fromEntries(mapImage.searchParams)).toEqual({
      style: 'Satellite',
      center: '-117.1455,32.8312',
      zoom: '15',
      width: '400',
      height: '220',
      key: 'v1.public.local-maps-key',
    });
    expect(cloud.staticMap.requests().at(-1)).toMatchObject({ path: '/v2/static/map@2x', status: 200 });
    expect(
      await page
        .locator('#map img')
        .evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth),
    ).toBe(800);
    expect(await page.evaluate("window.statusNode === document.getElementById('status-text')")).toBe(true);
    expect(await page.evaluate('window.removedElements')).toEqual([]);
    await waitForText(page, '#message-list .inbound', 'Gate code is 4410', 15_000);

    // Without the map image (a poor connection), the same page leaves the map out and keeps the text.
    const offline = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    await offline.route(/^https?:\/\/(?!(localhost|127\.0\.0\.1)[:/])|\/_local\/maps\//, (route) =>
      route.abort(),
    );
    const withoutTiles = await offline.newPage();
    const mapRefused = withoutTiles.waitForEvent('requestfailed', (request) =>
      request.url().includes('/_local/maps/'),
    );
    await withoutTiles.goto(link);
    await waitForText(withoutTiles, '#status-text', 'On the way');
    await mapRefused;
    expect(await withoutTiles.locator('#map').isVisible()).toBe(false);
    // The map's credit goes with the map.
    expect(await withoutTiles.locator('.map-credit').isVisible()).toBe(false);
    expect(await textOf(withoutTiles, '#eta-text')).toMatch(/^Expected around /);
    expect(await textOf(withoutTiles, '#location-text')).toBe('Location updated just now');
    await offline.close();
    // Two opens of the link (this page, then the one without tiles); the first page's 10-second
    // refreshes since are not opens.
    const staffView = await api('GET', `/jobs/${jobId}`, { role: 'dispatcher' });
    expect(staffView.body.trackingLinkViews).toMatchObject({ count: 2 });
  });

  it('given a photo picked on the phone, then it is uploaded and appears in the gallery', async () => {
    // Act
    await uploadPhoto(page);

    // Assess
    expect(await page.locator('#photo-list img').count()).toBe(1);
    expect(await page.locator('#photo-list img').getAttribute('alt')).toMatch(/^Your photo/);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'track-en-route');
  });

  it('given the link was revoked (a new one issued), then the old link shows the not-found message and the site brand’s number, nothing else', async () => {
    // Prepare
    const rotated = await api('POST', `/jobs/${jobId}/tracking-link`, { role: 'dispatcher' });
    expect(rotated.status).toBe(201);

    // Act
    const revoked = await openPage(link);
    const unknown = await openPage(`${cloud.siteUrl}/track/${randomBytes(24).toString('base64url')}`);
    const malformed = await openPage(`${cloud.siteUrl}/track/not-a-token`);

    // Assess
    const contact = 'Questions? Call or text QuickDumpNow at (619) 555-0100.';
    for (const shown of [revoked, unknown, malformed]) {
      await waitForText(shown, '#only-message', NOT_FOUND);
      await waitForText(shown, '#contact', contact);
      expect((await textOf(shown, 'body')).replace(/\s+/g, ' ').trim()).toBe(`${NOT_FOUND} ${contact}`);
      expect(await shown.getAttribute('#contact a', 'href')).toBe('tel:+16195550100');
    }
    expect(await seriousAccessibilityViolations(revoked)).toEqual([]);
    await screenshot(revoked, 'track-not-found');
    // Any other missing page says the same: how to reach the brand.
    const missing = await openPage(`${cloud.siteUrl}/no/such/page`);
    await waitForText(missing, '#contact', contact);
    expect(await textOf(missing, 'h1')).toBe('Page not found');
    expect(await seriousAccessibilityViolations(missing)).toEqual([]);
    await missing.close();
    const current = await openPage(rotated.body.trackingUrl);
    await waitForText(current, '#status-text', 'On the way');
    await Promise.all([page, revoked, unknown, malformed, current].map((shown) => shown.close()));
  });
});

describe('the charter guest page', () => {
  it('given a Queen of San Diego charter, then /g/{token} speaks as the brand, in charter words, with check-in details and photo upload', async () => {
    // Prepare
    const created = await api('POST', '/jobs', {
      role: 'dispatcher',
      body: {
        brandId: 'queen-of-san-diego',
        customer: { name: 'Dana Whitfield', phone: '(619) 555-0162' },
        address: { text: 'Harbor Island West Marina, San Diego' },
        serviceType: 'charter',
        schedule: { date: daysFromNow(5), time: '17:00' },
        charter: {
          vessel: 'Queen of San Diego',
          meetingPoint: 'Dock B, Harbor Island West Marina',
          guestCount: 12,
          durationMinutes: 180,
        },
        crewIds: [],
      },
    });
    expect(created.status).toBe(201);
    // A charter's text links its guest page, not the tracking page.
    const { link } = await linkTextedTo('+16195550162', /\/g\/[A-Za-z0-9_-]+/);

    // Act
    const page = await openPage(link);

    // Assess
    await waitForText(page, '#status-text', 'Confirmed');
    expect(await textOf(page, '#brand-name')).toBe('Queen of San Diego');
    expect(await textOf(page, '#headline')).toBe('Your harbor charter');
    expect(
      await page.evaluate("getComputedStyle(document.getElementById('brand-bar')).backgroundColor"),
    ).toBe('rgb(107, 30, 59)');
    // The logo is fetched after the page paints; wait for it rather than racing it (it lost once in CI).
    await imagesLoaded(page, '#brand-logo', { timeout: 10_000 });
    expect(await textOf(page, '#checkin-meeting-point')).toBe('Dock B, Harbor Island West Marina');
    expect(await textOf(page, '#checkin-time')).toMatch(
      /^By 4:45 PM on \w+day, \w+ \d+ \(departure 5:00 PM\)$/,
    );
    expect(await textOf(page, '#checkin-guests')).toBe('12');
    await uploadPhoto(page);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'guest');
    await page.close();
  });
});

describe('the booking page', () => {
  const bookingAnswer = (page: Page) =>
    page.waitForResponse((response: Response) => response.url() === `${cloud.apiUrl}/bookings`);

  async function fillBooking(page: Page, phoneNumber: string, paymentMethod = 'zelle') {
    await page.locator('label[for="service-trailer_pickup_and_dump"]').click();
    await page.fill('#preferredDate', daysFromNow(3));
    await page.selectOption('#window', 'afternoon');
    await page.fill('#name', 'Rosa Delgado');
    await page.fill('#phone', phoneNumber);
    await page.fill('#address', '3820 Ray St, San Diego, CA 92104');
    // Keyboard only for the consent, as someone without a pointer would.
    await page.focus('#smsConsent');
    await page.keyboard.press('Space');
    await page.locator(`label[for="pay-${paymentMethod}"]`).click();
  }

  it('given an empty form, then each problem shows next to its field and nothing is sent', async () => {
    // Prepare
    const page = await openPage(`${cloud.siteUrl}/book`);
    await page.locator('#booking-form').waitFor();
    const sent: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/bookings')) sent.push(request.method());
    });

    // Act
    await page.click('#submit');

    // Assess
    for (const field of [
      'serviceType',
      'preferredDate',
      'name',
      'phone',
      'address',
      'smsConsent',
      'paymentMethod',
    ]) {
      expect(await page.locator(`#${field}-error`).isVisible()).toBe(true);
    }
    expect(await page.locator('#email-error').isVisible()).toBe(false);
    expect(await page.getAttribute('#phone', 'aria-invalid')).toBe('true');
    expect(await textOf(page, '#form-problem')).toContain('Please fix these 7 things');
    expect(sent).toEqual([]);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'book-errors');
    await page.close();
  });

  it('given another brand in the link, then the form speaks as that brand with its own services and prices', async () => {
    // Act
    const page = await openPage(`${cloud.siteUrl}/book?brand=queen-of-san-diego`);
    await page.locator('#booking-form').waitFor();

    // Assess
    expect(await textOf(page, '#brand-name')).toBe('Queen of San Diego');
    expect(await textOf(page, '#service-choices')).toBe('Harbor charter\n$600.00 an hour, up to 49 guests');
    // The consent checkbox's words are the brand's, exactly as its consent records keep them.
    const profile = await site.api('GET', '/brands/queen-of-san-diego');
    expect(await textOf(page, 'label[for="smsConsent"]')).toBe(profile.body.smsConsentWording);
    expect(profile.body.smsConsentWording).toMatch(/^Text me about this booking from Queen of San Diego:/);
    // Its one service is a charter: the charter form, with the brand's departures, lengths and occasions.
    expect(await page.locator('#departureTime option').allInnerTexts()).toEqual([
      'Choose a time',
      '12:00 PM',
      '5:00 PM',
    ]);
    expect(await page.locator('#durationMinutes option').allInnerTexts()).toEqual([
      'Choose a length',
      '2 hours',
      '3 hours',
      '4 hours',
      '5 hours',
    ]);
    expect(await textOf(page, '#guestCount-hint')).toBe('Up to 49 aboard Queen of San Diego.');
    expect(await page.locator('#address').isVisible()).toBe(false);
    expect(await page.locator('#window').isVisible()).toBe(false);
    await page.close();
  });

  it('given a charter on the phone, then the charter form refuses more guests than the boat takes before sending, quotes by the hour and the guests, and the confirmed charter’s text opens its guest page', async () => {
    // Prepare
    const page = await openPage(`${cloud.siteUrl}/book?brand=queen-of-san-diego`);
    await page.locator('#booking-form').waitFor();
    let sent = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url() === `${cloud.apiUrl}/bookings`) sent++;
    });
    await page.fill('#preferredDate', daysFromNow(6));
    await page.selectOption('#departureTime', '17:00');
    await page.selectOption('#durationMinutes', '180');
    await page.fill('#guestCount', '25');
    await page.selectOption('#occasion', 'Wedding');
    await page.fill('#name', 'Dana Whitfield');
    await page.fill('#phone', '(619) 555-0179');
    await page.focus('#smsConsent');
    await page.keyboard.press('Space');
    await page.locator('label[for="pay-cash"]').click();
    const quoted = await textOf(page, '#quote-total');
    const detail = await textOf(page, '#quote-detail');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'book-charter');

    // Act: too many guests, then a party the boat takes.
    await page.fill('#guestCount', '60');
    await page.click('#submit');
    await page.locator('#guestCount-error').waitFor();
    const refusal = await textOf(page, '#guestCount-error');
    await page.fill('#guestCount', '25');
    const [answer] = await Promise.all([bookingAnswer(page), page.click('#submit')]);

    // Assess
    expect(refusal).toBe('Queen of San Diego takes at most 49 guests. For a bigger party, call or text us.');
    expect(sent).toBe(1);
    expect(quoted).toBe('$1,925.00');
    expect(detail).toBe('Harbor charter, 3 hours, 25 guests (5 beyond the 20 included, $25.00 each)');
    expect(answer.status()).toBe(201);
    const { jobId, quote } = await answer.json();
    expect(quote.totalCents).toBe(192500);
    await page.locator('#confirmation').waitFor();
    expect(await textOf(page, '#confirmation-time')).toBe('5:00 PM, 3 hours');
    expect(await textOf(page, '#confirmation-guests')).toBe('25');
    expect(await textOf(page, '#confirmation-boarding')).toBe('Dock B, Harbor Island West Marina');
    expect(await textOf(page, '#confirmation-quote')).toBe('$1,925.00');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'book-charter-confirmation');
    const job = await api('GET', `/jobs/${jobId}`, { role: 'dispatcher' });
    expect(job.body.job).toMatchObject({
      status: 'requested',
      serviceType: 'charter',
      schedule: { date: daysFromNow(6), time: '17:00' },
      charter: { guestCount: 25, durationMinutes: 180, occasion: 'Wedding' },
    });
    await page.close();

    // The dispatcher confirms it: the text links the guest page, which shows the party.
    const confirmed = await api('POST', `/jobs/${jobId}/status`, {
      role: 'dispatcher',
      body: { status: 'scheduled' },
    });
    expect(confirmed.status).toBe(200);
    const { link } = await linkTextedTo('+16195550179', /\/g\/[A-Za-z0-9_-]+/);
    const guest = await openPage(link);
    await waitForText(guest, '#status-text', 'Confirmed');
    expect(await textOf(guest, '#checkin-guests')).toBe('25');
    expect(await textOf(guest, '#checkin-meeting-point')).toBe('Dock B, Harbor Island West Marina');
    await guest.close();
  });

  it('given a filled form, then the API has a requested job and the page shows the quote', async () => {
    // Prepare
    const page = await openPage(`${cloud.siteUrl}/book`);
    await page.locator('#booking-form').waitFor();
    expect(await textOf(page, '#brand-name')).toBe('QuickDumpNow');
    await fillBooking(page, '(619) 555-0175');
    expect(await textOf(page, '#quote-total')).toBe('$600.00');

    // Act
    const [answer] = await Promise.all([bookingAnswer(page), page.click('#submit')]);

    // Assess
    expect(answer.status()).toBe(201);
    const { jobId } = await answer.json();
    await page.locator('#confirmation').waitFor();
    expect(await textOf(page, '#confirmation-quote')).toBe('$600.00');
    expect(await textOf(page, '#confirmation-service')).toBe('Trailer pickup & dump');
    expect(await textOf(page, '#confirmation-time')).toBe('Afternoon (12:00 PM – 5:00 PM)');
    // Zelle: how to pay, on the confirmation (and in the text once a dispatcher confirms the booking).
    expect(await textOf(page, '#confirmation-payment')).toBe('Pay $600.00 by Zelle to pay@quickdumpnow.com.');
    const job = await api('GET', `/jobs/${jobId}`, { role: 'dispatcher' });
    expect(job.body.job).toMatchObject({
      jobId,
      status: 'requested',
      origin: 'booking',
      serviceType: 'trailer_pickup_and_dump',
      priceCents: 60000,
      customer: { name: 'Rosa Delgado', phone: '+16195550175' },
      schedule: { date: daysFromNow(3), window: 'afternoon' },
      payment: { method: 'zelle', status: 'due', amountDueCents: 60000 },
    });
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'book-confirmation');
    await page.close();
  });

  it('given card, then the page goes on to Stripe Checkout for the deposit and, paid, comes back to say so', async () => {
    // Prepare
    const page = await openPage(`${cloud.siteUrl}/book`);
    await page.locator('#booking-form').waitFor();
    await fillBooking(page, '(619) 555-0178', 'card');

    // Act: booked, sent to (the Stripe fake's) checkout page, paid there.
    const [answer] = await Promise.all([bookingAnswer(page), page.click('#submit')]);
    const { jobId, payment } = await answer.json();
    await page.waitForURL((url) => url.pathname.startsWith('/checkout/cs_'));
    await page.getByRole('button', { name: /^Pay \$/ }).click();
    await page.waitForURL((url) => url.searchParams.get('payment') === 'paid');

    // Assess
    expect(payment).toMatchObject({ method: 'card', amountDueCents: 15000 });
    await page.locator('#payment-return').waitFor();
    expect(await textOf(page, '#payment-return-heading')).toBe('Deposit paid');
    expect(new URL(page.url()).searchParams.get('job')).toBe(jobId);
    const job = await api('GET', `/jobs/${jobId}`, { role: 'dispatcher' });
    expect(job.body.job.payment).toMatchObject({ method: 'card', status: 'paid', amountPaidCents: 15000 });
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'book-deposit-paid');
    await page.close();
  });

  it('given the customer cancels at checkout, then the page says the request is saved and offers to pay again', async () => {
    const page = await openPage(`${cloud.siteUrl}/book`);
    await page.locator('#booking-form').waitFor();
    await fillBooking(page, '(619) 555-0179', 'card');
    await Promise.all([bookingAnswer(page), page.click('#submit')]);
    await page.waitForURL((url) => url.pathname.startsWith('/checkout/cs_'));

    await page.getByRole('link', { name: 'Cancel' }).click();

    await page.locator('#payment-return').waitFor();
    expect(await textOf(page, '#payment-return-heading')).toBe('Payment not completed');
    expect(await page.locator('#pay-again').isVisible()).toBe(true);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.close();
  });

  it('given every trailer booked on a day, then the page refuses a rental over it before sending anything, and takes junk removal that day', async () => {
    // Prepare: QuickDumpNow's four trailers, all out with a dispatcher's jobs that day.
    const full = daysFromNow(20);
    for (const trailerId of ['T1', 'T2', 'T3', 'T4']) {
      const held = await api('POST', '/jobs', {
        role: 'dispatcher',
        body: {
          customer: { name: 'Fleet Holder', phone: '(619) 555-0190' },
          address: { text: '1 Harbor Dr, San Diego, CA' },
          serviceType: 'trailer_drop',
          trailerId,
          schedule: { date: full },
          crewIds: [],
        },
      });
      expect(held.status).toBe(201);
    }
    const page = await openPage(`${cloud.siteUrl}/book`);
    await page.locator('#booking-form').waitFor();
    await fillBooking(page, '(619) 555-0191');
    await page.locator('label[for="service-trailer_drop"]').click();
    await page.fill('#preferredDate', daysFromNow(19));
    await page.fill('#endDate', daysFromNow(21));
    let sent = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url() === `${cloud.apiUrl}/bookings`) sent++;
    });

    // Act
    await page.click('#submit');

    // Assess
    await page.locator('#preferredDate-error').waitFor();
    expect(await textOf(page, '#preferredDate-error')).toBe(
      `All our trailers are booked on ${full}. Please choose other days, or text or call us.`,
    );
    expect(sent).toBe(0);
    await page.locator('label[for="service-junk_removal"]').click();
    await page.fill('#preferredDate', full);
    const [answer] = await Promise.all([bookingAnswer(page), page.click('#submit')]);
    expect(answer.status()).toBe(201);
    await page.close();
  });

  it('given photos of the load, then each shows checking then ready or refused with why, the photo’s place is offered and used only once confirmed, and the booked job has the photo', async () => {
    // Prepare: an iPhone photo with its GPS (test/fixtures, made with sharp: 640×480, EXIF GPS
    // 32°49'48.12"N 117°8'24"W) and a PNG named as a JPEG, which the media service refuses.
    const photo = readFileSync(new URL('../fixtures/load-with-gps.jpg', import.meta.url));
    const notAJpeg = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const page = await openPage(`${cloud.siteUrl}/book`);
    await page.locator('#booking-form').waitFor();
    await fillBooking(page, '(619) 555-0186');
    await page.fill('#address', '');

    // Act
    await page.setInputFiles('#photos-input', [
      { name: 'IMG_0200.JPG', mimeType: 'image/jpeg', buffer: photo },
      { name: 'IMG_0201.JPG', mimeType: 'image/jpeg', buffer: notAJpeg },
    ]);

    // Assess: checked, one ready with its thumbnail, one refused with the reason; the place offered only.
    await waitForText(page, '#photos-status', '1 photo ready to send with your booking.', 30_000);
    const states = await page.locator('#booking-photos .photo-state').allInnerTexts();
    expect(states).toEqual([
      'Ready',
      // In the customer's words (the refusal's code), not the checks' ("declared image/jpeg but …").
      'Not used. This file isn’t a photo we can use — try taking the photo again or choose a JPEG.',
    ]);
    await imagesLoaded(page, '#booking-photos img');
    expect(await page.locator('#booking-photos img').getAttribute('alt')).toBe('Photo 1 of your load');
    expect(await textOf(page, '#photo-location-text')).toBe(
      'Your photo was taken at 32.83003, -117.14000. Use this photo’s location as the pickup?',
    );
    // Offered, never filled in by itself.
    expect(await page.inputValue('#address')).toBe('');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'book-photos');

    await page.click('#photo-location-use');
    expect(await page.inputValue('#address')).toBe('Where my photo was taken (32.83003, -117.14000)');
    expect(await textOf(page, '#photo-location-text')).toBe(
      'Pickup at your photo’s location (32.83003, -117.14000). We’ll confirm the exact spot with you.',
    );
    const [answer] = await Promise.all([bookingAnswer(page), page.click('#submit')]);
    expect(answer.status()).toBe(201);
    const { jobId } = await answer.json();
    await page.locator('#confirmation').waitFor();
    const job = await api('GET', `/jobs/${jobId}`, { role: 'dispatcher' });
    expect(job.body.job).toMatchObject({
      address: {
        text: 'Where my photo was taken (32.83003, -117.14000)',
        lat: expect.closeTo(32.83003, 4),
        lng: expect.closeTo(-117.14, 4),
      },
      notes: "Pickup at my photo's location: 32.83003, -117.14000",
      photoDraftRef: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    // The dispatcher sees the customer's photo on the job (the media service moved it there).
    const onJob = await eventually(
      async () => {
        const listed = await api('GET', `/jobs/${jobId}/photos`, { role: 'dispatcher' });
        return listed.status === 200 && listed.body.photos.length > 0 ? listed.body.photos : undefined;
      },
      { what: 'the booking’s photo on the job' },
    );
    expect(onJob).toEqual([
      expect.objectContaining({ from: 'customer', customerVisible: true, width: 640, height: 480 }),
    ]);
    await page.close();
  });

  it('given a photo taken by Petco Park, then the form offers the address it was taken near, and using it puts that address in the field and sends the coordinates with it', async () => {
    // Prepare: a photo with its GPS ~56 m from 100 Park Blvd (test/fixtures, made with sharp), which the
    // local place index knows; an address already typed, which the photo's address replaces.
    const photo = readFileSync(new URL('../fixtures/load-near-petco-park.jpg', import.meta.url));
    const page = await openPage(`${cloud.siteUrl}/book`);
    await page.locator('#booking-form').waitFor();
    await fillBooking(page, '(619) 555-0189');
    await page.setInputFiles('#photos-input', [
      { name: 'IMG_0400.JPG', mimeType: 'image/jpeg', buffer: photo },
    ]);
    await waitForText(page, '#photos-status', '1 photo ready to send with your booking.', 30_000);

    // Act
    const offered = await textOf(page, '#photo-location-text');
    const typed = await page.inputValue('#address');
    await page.click('#photo-location-use');

    // Assess: named, not in coordinates; the job placed at the photo's coordinates under that address.
    expect(offered).toBe(
      'Your photo was taken near 100 Park Blvd, San Diego. Use this location as the pickup?',
    );
    expect(typed).toBe('3820 Ray St, San Diego, CA 92104');
    expect(await page.inputValue('#address')).toBe('100 Park Blvd, San Diego');
    expect(await textOf(page, '#photo-location-text')).toBe(
      'Pickup at 100 Park Blvd, San Diego, where your photo was taken. We’ll confirm the exact spot with you.',
    );
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    const [answer] = await Promise.all([bookingAnswer(page), page.click('#submit')]);
    expect(answer.status()).toBe(201);
    const { jobId } = await answer.json();
    const job = await api('GET', `/jobs/${jobId}`, { role: 'dispatcher' });
    expect(job.body.job.address).toEqual({
      text: '100 Park Blvd, San Diego',
      lat: expect.closeTo(32.7077, 4),
      lng: expect.closeTo(-117.157, 4),
    });
    await page.close();
  });

  it('given a booking sent while its first photo is still being signed, then it waits for the upload and the job has the photo', async () => {
    // Prepare: the first photo's upload ticket (which starts the draft) held until the booking is sent.
    const photo = readFileSync(new URL('../fixtures/load-with-gps.jpg', import.meta.url));
    const page = await openPage(`${cloud.siteUrl}/book`);
    await page.locator('#booking-form').waitFor();
    await fillBooking(page, '(619) 555-0187');
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let ticketAsked!: () => void;
    const asked = new Promise<void>((resolve) => {
      ticketAsked = resolve;
    });
    await page.route(`${cloud.apiUrl}/bookings/photos/uploads`, async (route) => {
      if (route.request().method() === 'POST') {
        ticketAsked();
        await held;
      }
      await route.continue();
    });
    const sent: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url() === `${cloud.apiUrl}/bookings`)
        sent.push(request.url());
    });
    await page.setInputFiles('#photos-input', [
      { name: 'IMG_0300.JPG', mimeType: 'image/jpeg', buffer: photo },
    ]);
    await asked;

    // Act: sent mid-upload.
    const answered = bookingAnswer(page);
    await page.click('#submit');

    // Assess: the form says what it waits for and sends nothing until the photo is in the draft.
    await waitForText(page, '#submit', 'Finishing your photo uploads…');
    expect(await page.locator('#submit').isDisabled()).toBe(true);
    expect(sent).toEqual([]);
    release();
    const answer = await answered;
    expect(answer.status()).toBe(201);
    expect(answer.request().postDataJSON()).toMatchObject({
      photoDraftId: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
    });
    const { jobId } = await answer.json();
    await page.locator('#confirmation').waitFor();
    const onJob = await eventually(
      async () => {
        const listed = await api('GET', `/jobs/${jobId}/photos`, { role: 'dispatcher' });
        return listed.status === 200 && listed.body.photos.length > 0 ? listed.body.photos : undefined;
      },
      { what: 'the photo uploaded while the booking waited, on the job' },
    );
    expect(onJob).toEqual([expect.objectContaining({ from: 'customer', width: 640, height: 480 })]);
    await page.close();
  });

  it('given a photo whose upload fails while the booking waits for it, then the booking stops to say so and a second send goes without it', async () => {
    // Prepare: the upload ticket held, then refused by the network.
    const photo = readFileSync(new URL('../fixtures/load-with-gps.jpg', import.meta.url));
    const page = await openPage(`${cloud.siteUrl}/book`);
    await page.locator('#booking-form').waitFor();
    await fillBooking(page, '(619) 555-0188');
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let ticketAsked!: () => void;
    const asked = new Promise<void>((resolve) => {
      ticketAsked = resolve;
    });
    await page.route(`${cloud.apiUrl}/bookings/photos/uploads`, async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      ticketAsked();
      await held;
      return route.abort('connectionfailed');
    });
    await page.setInputFiles('#photos-input', [
      { name: 'IMG_0301.JPG', mimeType: 'image/jpeg', buffer: photo },
    ]);
    await asked;
    let sent = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url() === `${cloud.apiUrl}/bookings`) sent++;
    });

    // Act
    await page.click('#submit');
    await waitForText(page, '#submit', 'Finishing your photo uploads…');
    release();

    // Assess: stopped, with the photo's own line saying it didn't upload; sent without it when asked again.
    await waitForText(page, '#form-problem', 'One of your photos didn’t upload');
    expect(sent).toBe(0);
    expect(await page.locator('#booking-photos .photo-state').allInnerTexts()).toEqual([
      'Not uploaded. The connection dropped; please check it and add this photo again.',
    ]);
    const [answer] = await Promise.all([bookingAnswer(page), page.click('#submit')]);
    expect(answer.status()).toBe(201);
    expect(answer.request().postDataJSON().photoDraftId).toBeUndefined();
    await page.close();
  });

  it('given "any time", then the confirmation leaves the time out instead of showing an empty row', async () => {
    const page = await openPage(`${cloud.siteUrl}/book`);
    await page.locator('#booking-form').waitFor();
    await fillBooking(page, '(619) 555-0177');
    await page.selectOption('#window', '');

    const [answer] = await Promise.all([bookingAnswer(page), page.click('#submit')]);

    expect(answer.status()).toBe(201);
    await page.locator('#confirmation').waitFor();
    expect(await page.locator('#confirmation-time').isVisible()).toBe(false);
    expect(await page.locator('#confirmation-time-label').isVisible()).toBe(false);
    await page.close();
  });

  it('given a number only the API can tell is invalid, then its answer shows next to the phone field', async () => {
    // Prepare
    const page = await openPage(`${cloud.siteUrl}/book`);
    await page.locator('#booking-form').waitFor();
    await fillBooking(page, '+44 20 1234 567');

    // Act
    const [answer] = await Promise.all([bookingAnswer(page), page.click('#submit')]);

    // Assess
    expect(answer.status()).toBe(400);
    await page.locator('#phone-error').waitFor();
    expect(await textOf(page, '#phone-error')).toBe('must be a valid phone number, e.g. +16195550142');
    expect(await page.locator('#confirmation').isVisible()).toBe(false);
    await page.close();
  });

  it('given the phone’s booking limit is used up, then the page explains the limit and what to do instead', async () => {
    // Prepare: the day's three online bookings for this phone (the API's limit per phone).
    for (let count = 0; count < 3; count++) {
      const booked = await api('POST', '/bookings', {
        body: {
          name: 'Rosa Delgado',
          phone: '(619) 555-0176',
          address: { text: '3820 Ray St, San Diego' },
          serviceType: 'junk_removal',
          preferredDate: daysFromNow(4),
          smsConsent: true,
        },
      });
      expect(booked.status).toBe(201);
    }
    const page = await openPage(`${cloud.siteUrl}/book`);
    await page.locator('#booking-form').waitFor();
    await fillBooking(page, '(619) 555-0176');

    // Act
    const [answer] = await Promise.all([bookingAnswer(page), page.click('#submit')]);

    // Assess
    expect(answer.status()).toBe(429);
    await waitForText(page, '#form-problem', 'several online booking requests from this phone number');
    expect(await textOf(page, '#form-problem')).toContain(
      'Please text or call us to book, or try again tomorrow.',
    );
    await page.close();
  });
});

describe('the crew page', () => {
  it('given a charter with private fields, then the crew link shows the charter and its checklist without any private value, tickable by keyboard', async () => {
    // Prepare
    const crewIds: string[] = [];
    for (const member of [
      { name: 'Alice Marin', phone: '(619) 555-0171', role: 'captain' },
      { name: 'Bob Keel', phone: '(619) 555-0172', role: 'deckhand' },
    ]) {
      const created = await api('POST', '/crew-members', { role: 'admin', body: member });
      expect(created.status).toBe(201);
      crewIds.push(created.body.crewMember.crewId);
    }
    const charter = await api('POST', '/jobs', {
      role: 'admin',
      body: {
        brandId: 'jada',
        customer: { name: 'Mark Soderblom', phone: '(619) 555-0142' },
        address: { text: '4410 Soderblom Ave, San Diego' },
        serviceType: 'charter',
        schedule: { date: daysFromNow(6), time: '17:30' },
        charter: { vessel: 'JADA', meetingPoint: 'Dock C, slip 12', guestCount: 6, durationMinutes: 180 },
        crewIds,
        priceCents: 187_654,
        crewNotes: 'Birthday party, cake on board',
        notes: 'Office: gate code 4471, call her cell first',
        private: {
          revenueSplit: '63/37 owner',
          captainFeeCents: 43_210,
          internalNotes: 'VIP-only comp code 9911',
        },
      },
    });
    expect(charter.status).toBe(201);
    const { link } = await linkTextedTo('+16195550171', /\/crew\/[A-Za-z0-9_-]+/);
    const answers: string[] = [];

    // Act
    const page = await openPage(link, (opening) =>
      opening.on('response', async (response) => {
        if (response.url().startsWith(`${cloud.apiUrl}/crew/`)) answers.push(await response.text());
      }),
    );
    await waitForText(page, '#event-name', 'Private sail charter - Mark');
    await page.focus('#item-safety-briefing');
    await page.keyboard.press('Space');
    await waitForText(page, '#checklist-status', 'Saved.');
    await page.reload();
    await waitForText(page, '#item-safety-briefing-by', 'Done by Alice');

    // Assess
    expect(await textOf(page, '#you')).toBe('Hi Alice · captain');
    expect(await textOf(page, '#event-meeting-point')).toBe('Dock C, slip 12');
    expect(await textOf(page, '#event-time')).toBe('5:30 PM – 8:30 PM');
    expect(await textOf(page, '#event-notes')).toBe('Birthday party, cake on board');
    expect(await page.locator('#checklist li').count()).toBe(4);
    expect(await page.isChecked('#item-safety-briefing')).toBe(true);
    expect(await textOf(page, '#brand-name')).toBe('JADA Sail Charters');
    const everything = `${await page.content()}\n${await textOf(page, 'body')}\n${answers.join('\n')}`;
    expect(answers.length).toBeGreaterThanOrEqual(3);
    for (const secret of [
      /revenue/i,
      /captain_?fee/i,
      /internal_?notes/i,
      /price/i,
      /63\/37/,
      /43210|432\.10|43,210/,
      /VIP-only|9911/,
      /gate code 4471|call her cell/i,
      /187654|1876\.54|1,876/,
      /6195550142|555-0142/,
      /Soderblom/,
    ]) {
      expect({ secret: String(secret), found: secret.exec(everything)?.[0] }).toEqual({
        secret: String(secret),
        found: undefined,
      });
    }
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'crew');

    const unknown = await openPage(`${cloud.siteUrl}/crew/${randomBytes(32).toString('base64url')}`);
    await waitForText(unknown, '#only-message', CREW_NOT_FOUND);
    await Promise.all([page.close(), unknown.close()]);
  });
});
