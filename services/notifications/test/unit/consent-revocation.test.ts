import { describe, expect, it } from '@jest/globals';
import { revokesConsent } from '../../src/domain/consent-revocation.ts';

describe('consent revoked by any reasonable means', () => {
  it.each([
    'Please stop texting me',
    'STOP TEXTING ME!!',
    'stop sending me texts about this',
    "Don't text this number again",
    'do not contact me',
    'I dont want any more texts',
    'Remove me from your list please',
    'take me off your list',
    'Unsubscribe me',
    'please opt me out',
    'No more messages, thanks',
    'No me manden más mensajes',
    'Dejen de mandarme mensajes por favor',
    'no quiero recibir mas textos',
    'Bórrenme de su lista',
    'quiero darme de baja',
  ])('given "%s", then it revokes consent', (reply) => {
    expect(revokesConsent(reply)).toBe(true);
  });

  it.each([
    'Can you stop by at 3?',
    'can you stop at the gate',
    "Please don't stop until the driveway is clear",
    "Don't text me before 8, call instead",
    'I will text you when the truck can stop here',
    'Thanks, see you tomorrow',
    'Remove the old couch too',
    'Stop',
    'No me gusta la hora, ¿pueden venir más tarde?',
    'Dejen el contenedor en la entrada',
  ])('given "%s", then it does not', (reply) => {
    expect(revokesConsent(reply)).toBe(false);
  });
});
