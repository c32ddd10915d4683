import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { ConsoleTarget } from '../../scripts/deploy/console.ts';
import { templatePath } from '../../scripts/services.ts';
import type { Template } from './checks.ts';

// Amazon Location as packaged (issue 19): the jobs stack's place index may keep what it returns, and
// only the geocode consumer may search it, that index and nothing else.
const template = JSON.parse(readFileSync(templatePath('jobs'), 'utf8')) as Template;
const resources = template.Resources as Record<
  string,
  { Type: string; Properties?: Record<string, unknown> }
>;

/** Every IAM statement of every role in the template, with the role's logical id. */
const statements = Object.entries(resources).flatMap(([id, resource]) =>
  resource.Type === 'AWS::IAM::Role'
    ? (
        (resource.Properties?.Policies as { PolicyDocument: { Statement: Record<string, unknown>[] } }[]) ??
        []
      )
        .flatMap((policy) => policy.PolicyDocument.Statement)
        .map((statement) => ({ role: id, statement }))
    : [],
);
const actionsOf = (statement: Record<string, unknown>) => [statement.Action].flat() as string[];

describe('the packaged place index', () => {
  it('is for storage: coordinates are kept on the job', () => {
    const index = resources.PlaceIndex;
    expect(index?.Type).toBe('AWS::Location::PlaceIndex');
    expect(index?.Properties).toMatchObject({
      IndexName: expect.stringMatching(/^qdn-.+-places$/),
      DataSourceConfiguration: { IntendedUse: 'Storage' },
    });
  });

  it('is searched by the geocode consumer alone, on its own ARN, with the one action it calls', () => {
    const geo = statements.filter(({ statement }) =>
      actionsOf(statement).some((action) => action.startsWith('geo:') && action !== 'geo:DescribeKey'),
    );
    expect(geo.map(({ role }) => role)).toEqual(['GeocodeIamRoleLambdaExecution']);
    expect(geo[0]?.statement).toMatchObject({
      Effect: 'Allow',
      Action: ['geo:SearchPlaceIndexForText'],
      Resource: { 'Fn::GetAtt': ['PlaceIndex', 'Arn'] },
    });
  });
});

describe('reverse geocoding for the booking photos', () => {
  const media = JSON.parse(readFileSync(templatePath('media'), 'utf8')) as Template;
  const mediaStatements = Object.entries(
    media.Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>,
  ).flatMap(([id, resource]) =>
    resource.Type === 'AWS::IAM::Role'
      ? (
          (resource.Properties?.Policies as {
            PolicyDocument: { Statement: Record<string, unknown>[] };
          }[]) ?? []
        )
          .flatMap((policy) => policy.PolicyDocument.Statement)
          .map((statement) => ({ role: id, statement }))
      : [],
  );

  it("is the booking photos route's alone, by position only, on the jobs stack's place index by its name", () => {
    const geo = mediaStatements.filter(({ statement }) =>
      actionsOf(statement).some((action) => action.startsWith('geo:')),
    );
    expect(geo.map(({ role }) => role)).toEqual(['ListBookingPhotosIamRoleLambdaExecution']);
    expect(geo[0]?.statement).toMatchObject({
      Effect: 'Allow',
      Action: ['geo:SearchPlaceIndexForPosition'],
      Resource: { 'Fn::Sub': expect.stringMatching(/:place-index\/qdn-.+-places$/) },
    });
    // The same index the jobs stack creates.
    const index = resources.PlaceIndex?.Properties?.IndexName as string;
    expect(JSON.stringify(geo[0]?.statement.Resource)).toContain(`place-index/${index}`);
  });
});

describe('the packaged maps key', () => {
  const site = JSON.parse(readFileSync(templatePath('site'), 'utf8')) as Template;
  const siteResources = site.Resources as Record<
    string,
    { Type: string; Properties?: Record<string, unknown> }
  >;

  it("is for maps only, from the site distribution and the brands' domains only", () => {
    const key = siteResources.MapsApiKey;
    expect(key?.Type).toBe('AWS::Location::APIKey');
    expect(key?.Properties).toMatchObject({
      KeyName: expect.stringMatching(/^qdn-.+-site-maps$/),
      Restrictions: { AllowActions: ['geo-maps:GetStaticMap'] },
    });
    const referers = JSON.stringify(
      (key?.Properties?.Restrictions as { AllowReferers?: unknown } | undefined)?.AllowReferers,
    );
    expect(referers).toMatch(/https:\/\/\$\{SiteDistribution\.DomainName\}\/\*/);
    expect(referers).toContain('SiteDomainNames');
    expect(referers).not.toContain('"*"');
  });

  it('is read by the tracking view alone, by its name, and only described', () => {
    const reads = statements.filter(({ statement }) => actionsOf(statement).includes('geo:DescribeKey'));
    expect(reads.map(({ role }) => role)).toEqual(['GetTrackingViewIamRoleLambdaExecution']);
    expect(reads[0]?.statement).toMatchObject({
      Action: ['geo:DescribeKey'],
      Resource: {
        'Fn::Sub': expect.stringMatching(/:api-key\/qdn-.+-site-maps$/),
      },
    });
  });

  it('lets the pages load map images from Amazon Location and no other map server', () => {
    const csp = JSON.stringify(siteResources.SecurityHeadersPolicy?.Properties);
    expect(csp).toMatch(/img-src [^;]*https:\/\/maps\.geo\.[a-z0-9-]+\.amazonaws\.com/);
    expect(csp).not.toContain('openstreetmap');
  });
});

describe("the packaged console's maps key", () => {
  const consoleTemplate = JSON.parse(readFileSync(templatePath('console'), 'utf8')) as Template;
  const consoleResources = consoleTemplate.Resources as Record<
    string,
    { Type: string; Properties?: Record<string, unknown> }
  >;

  it("is for map tiles only, from the console's distribution and dashboard domains only", () => {
    const key = consoleResources.ConsoleMapsApiKey;
    expect(key?.Type).toBe('AWS::Location::APIKey');
    expect(key?.Properties).toMatchObject({
      KeyName: expect.stringMatching(/^qdn-.+-console-maps$/),
      Restrictions: { AllowActions: ['geo-maps:GetTile'] },
    });
    const restrictions = key?.Properties?.Restrictions as {
      AllowResources?: unknown;
      AllowReferers?: unknown;
    };
    expect(JSON.stringify(restrictions.AllowResources)).toMatch(
      /:geo-maps:\$\{AWS::Region\}::provider\/default"/,
    );
    const referers = JSON.stringify(restrictions.AllowReferers);
    expect(referers).toMatch(/https:\/\/\$\{ConsoleDistribution\.DomainName\}\/\*/);
    expect(referers).toContain('ConsoleDomainNames');
    expect(referers).not.toContain('"*"');
    // The site's pages are not the console's: their origins are the site key's, not this one's.
    expect(referers).not.toContain('Site');
  });

  it('lets the console fetch the map from Amazon Location and start its worker from its own origin', () => {
    const csp = JSON.stringify(consoleResources.SecurityHeadersPolicy?.Properties);
    expect(csp).toMatch(/connect-src [^;]*https:\/\/maps\.geo\.[a-z0-9-]+\.amazonaws\.com/);
    expect(csp).toMatch(/worker-src 'self';/);
    expect(csp).not.toContain('blob: ;');
    expect(csp).not.toMatch(/script-src [^;]*(unsafe|blob:)/);
  });

  it("tells the deploy step where the console goes and what its config.json says, this key's name among it", () => {
    const parameter = consoleResources.ConsoleParameter;
    expect(parameter?.Type).toBe('AWS::SSM::Parameter');
    expect(parameter?.Properties?.Name).toMatch(/^\/qdn\/.+\/console$/);
    const [body, variables] = (
      parameter!.Properties!.Value as { 'Fn::Sub': [string, Record<string, unknown>] }
    )['Fn::Sub'];
    // The stack's own resources and the jobs stack's app client, as CloudFormation fills them in.
    expect(variables).toEqual({
      StaffClientId: { 'Fn::ImportValue': expect.stringMatching(/-StaffUserPoolClientId$/) },
    });
    const filledIn: Record<string, string> = {
      ConsoleBucket: 'qdn-dev-console-123456789012-us-west-2',
      ConsoleDistribution: 'E2EXAMPLE',
      StaffClientId: 'client',
      'AWS::Region': 'us-west-2',
    };
    const filled = body.replace(/\$\{([^}]+)\}/g, (whole, name: string) => filledIn[name] ?? whole);
    expect(filled).not.toMatch(/\$\{/);
    const target = ConsoleTarget.parse(JSON.parse(filled));
    expect(target.mapsKeyName).toBe(consoleResources.ConsoleMapsApiKey?.Properties?.KeyName);
    expect(target.authDomain).toMatch(/^https:\/\/.+\.auth\.[a-z0-9-]+\.amazoncognito\.com$/);
  });
});
