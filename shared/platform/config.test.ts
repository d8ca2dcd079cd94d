import { describe, expect, it } from 'vitest';
import { parseSettings } from './config.js';

describe('settings', () => {
  it('has a default for everything a laptop needs', () => {
    const settings = parseSettings({});
    expect(settings.PORT).toBe(4280);
    expect(settings.LOCAL_DATA_DIR).toBe('.data');
    expect(settings.SESSION_IDLE_MINUTES).toBe(15);
    expect(settings.SESSION_ABSOLUTE_HOURS).toBe(12);
    expect(settings.LOCKOUT_THRESHOLD).toBe(3);
    expect(settings.PASSWORD_MAX_AGE_DAYS).toBe(90);
    expect(settings.PASSWORD_REQUIRE_CHARACTER_CLASSES).toBe(false);
    expect(settings.SESSION_COOKIE_NAME).toBe('ems_session');
  });

  it('treats empty variables as unset', () => {
    expect(parseSettings({ PORT: '', COSMOS_ENDPOINT: '' }).PORT).toBe(4280);
  });

  it('names every bad variable in one line', () => {
    let message = '';
    try {
      parseSettings({ PORT: 'abc', COSMOS_ENDPOINT: 'not a url', PASSWORD_REQUIRE_CHARACTER_CLASSES: 'maybe' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain('PORT must be a whole number');
    expect(message).toContain('COSMOS_ENDPOINT must be a URL');
    expect(message).toContain('PASSWORD_REQUIRE_CHARACTER_CLASSES must be true or false');
  });

  it('reads the Entra group map as JSON and checks each entry', () => {
    const groups = parseSettings({
      ENTRA_GROUP_MAP: '{"g1":{"role":"Technician","labId":"LAB01"},"g2":{"role":"Administrator"}}',
    }).ENTRA_GROUP_MAP;
    expect(groups).toEqual({ g1: { role: 'Technician', labId: 'LAB01' }, g2: { role: 'Administrator' } });
    expect(() => parseSettings({ ENTRA_GROUP_MAP: '{oops' })).toThrow(/ENTRA_GROUP_MAP must be JSON/);
    expect(() => parseSettings({ ENTRA_GROUP_MAP: '{"g":{"role":"Technician"}}' })).toThrow(/ENTRA_GROUP_MAP/);
  });

  it('accepts a list of public origins', () => {
    expect(parseSettings({ PUBLIC_ORIGINS: 'https://pm.example.com, https://pm2.example.com' }).PUBLIC_ORIGINS).toEqual([
      'https://pm.example.com',
      'https://pm2.example.com',
    ]);
    expect(() => parseSettings({ PUBLIC_ORIGINS: 'pm.example.com' })).toThrow(/PUBLIC_ORIGINS/);
  });

  it('reads due windows per frequency and refuses windows longer than their period', () => {
    expect(parseSettings({ PM_DUE_WINDOWS: '{"Weekly":3,"Monthly":10}' }).PM_DUE_WINDOWS).toEqual({ Weekly: 3, Monthly: 10 });
    expect(() => parseSettings({ PM_DUE_WINDOWS: '{"Weekly":9}' })).toThrow(/PM_DUE_WINDOWS\.Weekly/);
    expect(() => parseSettings({ PM_DUE_WINDOWS: 'weekly=3' })).toThrow(/PM_DUE_WINDOWS must be JSON such as/);
    expect(() => parseSettings({ GENERATOR_SCHEDULE: '0 * * * *' })).toThrow(/GENERATOR_SCHEDULE must be an NCRONTAB expression with six fields/);
  });

  it('runs the generator every minute with labs spread over the hour, and refuses timings that would skip labs or start records late', () => {
    const defaults = parseSettings({});
    expect([defaults.GENERATOR_SCHEDULE, defaults.GENERATOR_SPREAD_MINUTES, defaults.GENERATE_AHEAD_HOURS]).toEqual(['0 * * * * *', 60, 2]);
    expect(() => parseSettings({ GENERATOR_SCHEDULE: '0 0 * * * *' })).toThrow(/GENERATOR_SCHEDULE must fire every minute .* GENERATOR_SPREAD_MINUTES=1/);
    expect(parseSettings({ GENERATOR_SCHEDULE: '0 0 * * * *', GENERATOR_SPREAD_MINUTES: '1', GENERATE_AHEAD_HOURS: '0' }).GENERATOR_SPREAD_MINUTES).toBe(1);
    expect(() => parseSettings({ GENERATE_AHEAD_HOURS: '0' })).toThrow(/GENERATE_AHEAD_HOURS must cover GENERATOR_SPREAD_MINUTES/);
  });
});
