// Passwords of 10+ characters that lists of leaked passwords (and Dutch variants)
// show people choose most; shorter ones are already refused by the length rule.
export const commonPasswords = new Set([
  '1234567890', '0987654321', '12345678910', '123456789a', 'a123456789', '1q2w3e4r5t', '1qaz2wsx3edc',
  'qwertyuiop', 'asdfghjkl;', 'zxcvbnm123', 'qwerty1234', 'qwerty12345', 'qwertz1234', 'azerty1234',
  'password12', 'password123', 'password1234', 'passw0rd123', 'p@ssw0rd123', 'password!1', 'iloveyou12',
  'iloveyou123', 'sunshine123', 'football123', 'baseball123', 'princess123', 'welcome123', 'welcome1234',
  'letmein123', 'trustno1234', 'dragon12345', 'monkey12345', 'superman123', 'starwars123', 'computer123',
  'whatever123', 'abcdef123456', 'abc1234567', 'abcd123456', 'administrator', 'admin12345', 'admin123456',
  'changeme123', 'secret1234', 'master12345', 'michael123', 'jennifer123', 'charlie123', 'liverpool1',
  'wachtwoord', 'wachtwoord1', 'wachtwoord12', 'wachtwoord123', 'wachtwoord!', 'wachtwoord01', 'welkom1234',
  'welkom12345', 'welkomwelkom', 'geheim1234', 'geheim12345', 'nederland1', 'nederland12', 'nederland123',
  'amsterdam1', 'amsterdam12', 'amsterdam123', 'rotterdam1', 'rotterdam123', 'feyenoord1', 'feyenoord123',
  'ajax123456', 'vrijwilliger', 'vrijwilligers', 'vrijwilliger1', 'samenwerken', 'samenwerken1', 'handreiking',
  'handreiking1', 'zorgenwelzijn', 'lokaalsamenwerken', 'voorjaar2024', 'zomer20242', 'najaar2025',
  'januari2025', 'december2025', 'lente12345', 'hallo12345', 'hallohallo', 'doei123456', 'welkom01!!',
  'qwerty123456', '11111111111', '1111111111', '0000000000', '1231231231', '1212121212', 'aaaaaaaaaa',
])
