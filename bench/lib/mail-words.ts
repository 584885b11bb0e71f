/**
 * The words of bench/archive's corpus: for English, German, French, Spanish and Japanese, the vocabulary of
 * office mail (ordered roughly by frequency: the generator favours the first ones, as Zipf's law does),
 * greetings, closings, how a client introduces a quotation, and people's names; and sentences made of them.
 */
import type {Rng} from './mail-rng.js';

export type Lang = 'en' | 'de' | 'fr' | 'es' | 'ja';

export interface Language {
  lang: Lang;
  /** Words, most frequent first. Japanese: content words joined by {@link particles}. */
  words: string[];
  /** Japanese only: particles between content words. */
  particles?: string[];
  /** Japanese only: sentence endings. */
  endings?: string[];
  greetings: string[];
  closings: string[];
  /** What a reply says above the quoted message: `{date}` and `{name}` are filled in. */
  quoteIntro: string;
  /** Outlook's header block above a quoted message, by field. */
  outlook: {from: string; sent: string; to: string; subject: string};
  /** Subjects: nouns and topics. */
  topics: string[];
  firstNames: string[];
  lastNames: string[];
  /** Job titles for signatures. */
  titles: string[];
  /** A corporate footer some companies add to every message. */
  disclaimer: string;
}

const EN: Language = {
  lang: 'en',
  words: (
    'the to and of a in for is on that we you this with be it will as are have at from by our please can not if ' +
    'your all about would should could i me they their there which when what also more time meeting next week ' +
    'project team report update review budget contract customer order invoice payment delivery schedule today ' +
    'tomorrow monday tuesday thursday friday call question issue changes version draft final document attached ' +
    'file information details support service account price offer quote quarter numbers sales plan forecast ' +
    'approval agreement legal signed copy feedback comments agenda notes minutes decision deadline status ' +
    'progress risk resources costs estimate timeline launch release customers partners supplier shipment ' +
    'warehouse stock request confirm confirmed received send sent check checked discussed agreed prepare ' +
    'prepared share shared let know think need needs want working work office room available possible ' +
    'unfortunately however therefore regarding following below above already still yet soon early late ' +
    'morning afternoon thanks thank best regards kind happy glad sorry delay problem solution proposal ' +
    'presentation slides workshop training travel hotel flight visit conference booth marketing campaign'
  ).split(' '),
  greetings: ['Hi {first},', 'Hello {first},', 'Dear {first},', 'Hi all,', 'Good morning {first},', 'Dear {first} {last},'],
  closings: ['Best regards,', 'Kind regards,', 'Thanks,', 'Best,', 'Cheers,', 'Many thanks,'],
  quoteIntro: 'On {date}, {name} wrote:',
  outlook: {from: 'From', sent: 'Sent', to: 'To', subject: 'Subject'},
  topics: [
    'Quarterly report', 'Budget review', 'Project kickoff', 'Contract renewal', 'Invoice', 'Delivery schedule', 'Meeting notes',
    'Release planning', 'Customer feedback', 'Price list', 'Trade fair', 'Team offsite', 'Onboarding', 'Security audit',
    'Travel request', 'Sales forecast', 'Supplier evaluation', 'Board meeting', 'Marketing campaign', 'Support case',
  ],
  firstNames: ['James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'Sarah', 'Thomas', 'Emily', 'Daniel', 'Laura', 'Mark'],
  lastNames: ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Wilson', 'Taylor', 'Clark', 'Walker', 'Wright', 'Green', 'Baker', 'Hall', 'Turner'],
  titles: ['Sales Manager', 'Project Manager', 'Account Executive', 'Head of Finance', 'Software Engineer', 'Operations Lead', 'Procurement Specialist', 'Managing Director'],
  disclaimer:
    'This e-mail and any attachments are confidential and intended solely for the addressee. If you have received this e-mail in error, ' +
    'please notify the sender immediately and delete it from your system. Any unauthorised copying, disclosure or distribution of the ' +
    'material in this e-mail is strictly forbidden. We do not accept liability for any damage caused by viruses transmitted by this e-mail.',
};

const DE: Language = {
  lang: 'de',
  words: (
    'die der und zu den das nicht von sie ist des sich mit dem dass er es ein ich auf so eine auch als an nach wie ' +
    'im für wir bitte noch bei uns sind haben wird werden können sollten könnten Ihnen Sie Ihre unser unsere ' +
    'diese dieser heute morgen nächste Woche Termin Besprechung Projekt Angebot Auftrag Rechnung Zahlung Lieferung ' +
    'Vertrag Kunde Kunden Bericht Unterlagen Anhang Entwurf Version Änderungen Frage Fragen Rückmeldung Abstimmung ' +
    'Freigabe Budget Kosten Planung Zeitplan Quartal Umsatz Prognose Lieferant Lager Bestellung Bestätigung ' +
    'Protokoll Tagesordnung Entscheidung Frist Stand Fortschritt Risiko Aufwand Schätzung Einführung Vertrieb ' +
    'Marketing Kampagne Messe Schulung Reise Hotel Flug Besuch Konferenz gerne leider jedoch deshalb bezüglich ' +
    'folgende unten oben bereits schon bald früh spät Vormittag Nachmittag Dank vielen herzlichen Grüßen ' +
    'beste freundlichen Problem Lösung Vorschlag Präsentation Folien Workshop Mitarbeiter Abteilung Geschäftsführung ' +
    'Montag Dienstag Mittwoch Donnerstag Freitag erhalten geschickt geprüft besprochen vereinbart vorbereitet ' +
    'geteilt wissen denke brauchen benötigen möchten arbeiten Büro Raum verfügbar möglich wichtig dringend ' +
    'Unterschrift Genehmigung Rahmenvertrag Preisliste Kostenstelle Verzögerung Ansprechpartner Überblick'
  ).split(' '),
  greetings: ['Hallo {first},', 'Liebe {first},', 'Lieber {first},', 'Sehr geehrte Frau {last},', 'Sehr geehrter Herr {last},', 'Hallo zusammen,', 'Guten Morgen {first},'],
  closings: ['Viele Grüße', 'Beste Grüße', 'Mit freundlichen Grüßen', 'Schöne Grüße', 'Danke und Gruß', 'Herzliche Grüße'],
  quoteIntro: 'Am {date} schrieb {name}:',
  outlook: {from: 'Von', sent: 'Gesendet', to: 'An', subject: 'Betreff'},
  topics: [
    'Quartalsbericht', 'Budgetplanung', 'Projektstart', 'Vertragsverlängerung', 'Rechnung', 'Liefertermin', 'Protokoll der Besprechung',
    'Angebot', 'Kundenfeedback', 'Preisliste 2026', 'Messeplanung', 'Teamevent', 'Einarbeitung', 'Sicherheitsprüfung', 'Reiseantrag',
    'Umsatzprognose', 'Lieferantenbewertung', 'Aufsichtsratssitzung', 'Jahresabschluss', 'Urlaubsplanung',
  ],
  firstNames: ['Anna', 'Lukas', 'Sophie', 'Maximilian', 'Marie', 'Jonas', 'Laura', 'Felix', 'Julia', 'Paul', 'Katharina', 'Stefan', 'Sabine', 'Jürgen', 'Petra', 'Andreas'],
  lastNames: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Schäfer', 'Koch', 'Bauer', 'Richter', 'Klein', 'Wolf'],
  titles: ['Vertriebsleiter', 'Projektleiterin', 'Key Account Manager', 'Leiterin Finanzen', 'Softwareentwickler', 'Teamleiter Logistik', 'Einkauf', 'Geschäftsführer'],
  disclaimer:
    'Diese E-Mail enthält vertrauliche und/oder rechtlich geschützte Informationen. Wenn Sie nicht der richtige Adressat sind oder diese ' +
    'E-Mail irrtümlich erhalten haben, informieren Sie bitte sofort den Absender und vernichten Sie diese Mail. Das unerlaubte Kopieren ' +
    'sowie die unbefugte Weitergabe dieser Mail sind nicht gestattet. Sitz der Gesellschaft: Hamburg, Registergericht Hamburg HRB 123456, ' +
    'Geschäftsführer: Dr. Klaus Berger, Martina Vogel.',
};

const FR: Language = {
  lang: 'fr',
  words: (
    'de la le et les des à un une pour que en du est dans nous vous ne pas sur il au qui par plus avec ce cette ' +
    'sont sera pouvez pourriez merci bien votre vos notre nos aujourd’hui demain semaine prochaine réunion projet ' +
    'offre commande facture paiement livraison contrat client clients rapport documents pièce jointe version ' +
    'modifications question questions retour validation budget coûts planning calendrier trimestre chiffre ' +
    'affaires prévisions fournisseur stock confirmation compte rendu ordre du jour décision délai avancement ' +
    'risque charge estimation lancement ventes marketing campagne salon formation voyage hôtel vol visite ' +
    'conférence volontiers malheureusement cependant donc concernant suivant ci-dessous ci-dessus déjà bientôt ' +
    'tôt tard matin après-midi cordialement bonne journée problème solution proposition présentation atelier ' +
    'équipe service direction lundi mardi mercredi jeudi vendredi reçu envoyé vérifié discuté convenu préparé ' +
    'partagé savoir pense besoin souhaitons travailler bureau salle disponible possible important urgent ' +
    'signature accord tarif retard interlocuteur aperçu également toujours encore afin comme dès que possible'
  ).split(' '),
  greetings: ['Bonjour {first},', 'Bonjour à tous,', 'Cher {first},', 'Chère {first},', 'Madame, Monsieur,', 'Bonjour Madame {last},'],
  closings: ['Cordialement,', 'Bien cordialement,', 'Bonne journée,', 'Merci d’avance,', 'Bien à vous,', 'Salutations distinguées,'],
  quoteIntro: 'Le {date}, {name} a écrit :',
  outlook: {from: 'De', sent: 'Envoyé', to: 'À', subject: 'Objet'},
  topics: [
    'Rapport trimestriel', 'Revue budgétaire', 'Lancement du projet', 'Renouvellement du contrat', 'Facture', 'Planning de livraison',
    'Compte rendu de réunion', 'Proposition commerciale', 'Retour client', 'Grille tarifaire', 'Salon professionnel', 'Séminaire équipe',
    'Intégration', 'Audit de sécurité', 'Demande de déplacement', 'Prévisions de ventes',
  ],
  firstNames: ['Camille', 'Louis', 'Chloé', 'Hugo', 'Manon', 'Lucas', 'Léa', 'Nathan', 'Julie', 'Pierre', 'Sophie', 'Antoine', 'Claire', 'Nicolas', 'Isabelle', 'Julien'],
  lastNames: ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Simon', 'Laurent', 'Lefèvre', 'Michel', 'Garcia', 'Fournier'],
  titles: ['Responsable commercial', 'Chef de projet', 'Directrice financière', 'Ingénieur logiciel', 'Responsable logistique', 'Acheteuse', 'Directeur général'],
  disclaimer:
    'Ce message et toutes les pièces jointes sont confidentiels et établis à l’intention exclusive de ses destinataires. Toute utilisation ' +
    'ou diffusion non autorisée est interdite. Si vous avez reçu ce message par erreur, merci de le détruire et d’en avertir immédiatement ' +
    'l’expéditeur. L’intégrité de ce message ne pouvant être assurée sur Internet, la société ne peut être tenue responsable de son contenu.',
};

const ES: Language = {
  lang: 'es',
  words: (
    'de la que el en y a los se del las un por con no una su para es al lo como más pero sus le ya o este ' +
    'nos hemos tenemos podemos podrías gracias favor vuestro nuestro nuestra hoy mañana semana próxima reunión ' +
    'proyecto oferta pedido factura pago entrega contrato cliente clientes informe documentos adjunto versión ' +
    'cambios pregunta preguntas respuesta aprobación presupuesto costes planificación calendario trimestre ventas ' +
    'previsión proveedor almacén confirmación acta orden del día decisión plazo estado avance riesgo esfuerzo ' +
    'estimación lanzamiento marketing campaña feria formación viaje hotel vuelo visita conferencia encantado ' +
    'lamentablemente sin embargo por lo tanto respecto siguiente abajo arriba todavía pronto temprano tarde ' +
    'saludos cordiales un abrazo problema solución propuesta presentación taller equipo departamento dirección ' +
    'lunes martes miércoles jueves viernes recibido enviado revisado hablado acordado preparado compartido saber ' +
    'creo necesitamos queremos trabajar oficina sala disponible posible importante urgente firma acuerdo tarifa ' +
    'retraso contacto resumen también siempre además cuanto antes'
  ).split(' '),
  greetings: ['Hola {first}:', 'Hola {first},', 'Buenos días {first},', 'Estimado {first}:', 'Estimada {first}:', 'Hola a todos,'],
  closings: ['Saludos,', 'Un saludo,', 'Saludos cordiales,', 'Muchas gracias,', 'Atentamente,', 'Un abrazo,'],
  quoteIntro: 'El {date}, {name} escribió:',
  outlook: {from: 'De', sent: 'Enviado el', to: 'Para', subject: 'Asunto'},
  topics: [
    'Informe trimestral', 'Revisión del presupuesto', 'Inicio del proyecto', 'Renovación del contrato', 'Factura', 'Plan de entregas',
    'Acta de la reunión', 'Oferta comercial', 'Opinión del cliente', 'Lista de precios', 'Feria comercial', 'Jornada de equipo',
    'Incorporación', 'Auditoría de seguridad', 'Solicitud de viaje', 'Previsión de ventas',
  ],
  firstNames: ['Lucía', 'Hugo', 'Martina', 'Mateo', 'Sofía', 'Pablo', 'Carmen', 'Javier', 'Elena', 'Carlos', 'Isabel', 'Diego', 'Ana', 'Sergio', 'Paula', 'Miguel'],
  lastNames: ['García', 'Rodríguez', 'González', 'Fernández', 'López', 'Martínez', 'Sánchez', 'Pérez', 'Gómez', 'Martín', 'Jiménez', 'Ruiz', 'Hernández', 'Díaz', 'Moreno', 'Álvarez'],
  titles: ['Director comercial', 'Jefa de proyecto', 'Responsable de cuentas', 'Directora financiera', 'Ingeniero de software', 'Responsable de logística', 'Compras'],
  disclaimer:
    'Este mensaje y sus archivos adjuntos son confidenciales y están dirigidos exclusivamente a su destinatario. Si usted ha recibido este ' +
    'mensaje por error, le rogamos que lo comunique inmediatamente al remitente y proceda a su eliminación. De acuerdo con el Reglamento ' +
    '(UE) 2016/679, le informamos de que sus datos personales serán tratados con la finalidad de gestionar la relación comercial.',
};

const JA: Language = {
  lang: 'ja',
  words: (
    '会議 資料 確認 お願い 予定 来週 今週 本日 明日 プロジェクト 見積 請求書 契約 納品 お客様 担当 報告 ' +
    '予算 費用 売上 計画 進捗 課題 対応 検討 修正 変更 添付 ファイル 内容 詳細 日程 調整 打ち合わせ 共有 ' +
    '連絡 返信 承認 手配 出張 ホテル 航空券 訪問 展示会 研修 キャンペーン 営業 部長 課長 チーム 部署 ' +
    '発注 在庫 出荷 倉庫 仕入先 品質 不具合 原因 対策 期限 遅延 リスク 工数 スケジュール 議事録 ' +
    '議題 結論 方針 提案 説明 資料作成 レビュー 最終版 草案 四半期 年度 実績 目標 問題 解決 ' +
    '月曜日 火曜日 水曜日 木曜日 金曜日 午前 午後 先日 引き続き 早急 可能 必要 重要 至急'
  ).split(' '),
  particles: ['の', 'を', 'に', 'は', 'が', 'で', 'と', 'について', 'も', 'から'],
  endings: ['です。', 'ます。', 'いたします。', 'ください。', 'しました。', 'でしょうか。', 'お願いいたします。', 'と思います。', 'ございます。'],
  greetings: ['{last}様', '{last}さん', 'お疲れ様です。', '{last}様\r\n\r\nいつもお世話になっております。', '皆様'],
  closings: ['よろしくお願いいたします。', '以上、よろしくお願いします。', '引き続きよろしくお願いいたします。', 'ご確認のほどよろしくお願いいたします。'],
  quoteIntro: '{date} {name} さんは書きました:',
  outlook: {from: '差出人', sent: '送信日時', to: '宛先', subject: '件名'},
  topics: ['四半期報告', '予算の確認', 'プロジェクト開始', '契約更新', '請求書送付', '納期のご連絡', '議事録', 'お見積り', 'お客様アンケート', '価格表', '展示会の件', '出張申請'],
  firstNames: ['Haruto', 'Yui', 'Sota', 'Aoi', 'Yuto', 'Hina', 'Ren', 'Sakura', 'Kenji', 'Yuki', 'Takashi', 'Naoko'],
  lastNames: ['Sato', 'Suzuki', 'Takahashi', 'Tanaka', 'Watanabe', 'Ito', 'Yamamoto', 'Nakamura', 'Kobayashi', 'Kato', 'Yoshida', 'Yamada'],
  titles: ['営業部 課長', 'プロジェクトマネージャー', '経理部', 'システム開発部', '物流部 主任', '購買部', '代表取締役'],
  disclaimer:
    '本メールには機密情報が含まれている場合があります。本メールの内容を宛先以外の方が閲覧、複製、転送することは禁止されています。' +
    '誤って受信された場合は、お手数ですが送信者にご連絡の上、本メールを削除してくださいますようお願い申し上げます。',
};

export const LANGUAGES: Record<Lang, Language> = {en: EN, de: DE, fr: FR, es: ES, ja: JA};

/** One sentence: 5 to 18 words (Japanese: 2 to 5 phrases), capitalised and punctuated. */
export function sentence(rng: Rng, language: Language): string {
  if (language.particles !== undefined && language.endings !== undefined) {
    let out = '';
    const phrases = rng.int(2, 5);
    for (let i = 0; i < phrases; i++) out += rng.zipf(language.words) + (i < phrases - 1 ? rng.pick(language.particles) + (rng.chance(0.15) ? '、' : '') : '');
    return out + rng.pick(language.endings);
  }
  const n = rng.int(5, 18);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(rng.zipf(language.words) + (i > 2 && i < n - 2 && rng.chance(0.08) ? ',' : ''));
  const first = words[0] as string;
  words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return words.join(' ') + rng.weighted([['.', 8], ['?', 1], ['!', 0.5]] as const);
}

/** A paragraph of 1 to `max` sentences. */
export function paragraph(rng: Rng, language: Language, max = 5): string {
  const n = rng.int(1, max);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(sentence(rng, language));
  return out.join(language.lang === 'ja' ? '' : ' ');
}
