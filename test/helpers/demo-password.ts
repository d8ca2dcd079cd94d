/** The demo users' password in every test product. */
export const demoPassword = 'Demo-Password-4-Tests!';
